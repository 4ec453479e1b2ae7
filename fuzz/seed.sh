#!/bin/sh
# Seeds each fuzz target's corpus from the repository's own fixtures and examples:
# `.cp` files for parse_check, data files by format for the loaders, both for the
# renderer. The corpora are not committed; run this before `cargo +nightly fuzz run`.
set -eu
cd "$(dirname "$0")"
root=..
seed() {
    target=$1
    shift
    mkdir -p "corpus/$target"
    for ext in "$@"; do
        find "$root/tests/ui" "$root/examples" -type f -name "*.$ext" -size -64k | while read -r file; do
            # Named by content, so seeding twice adds nothing.
            cp "$file" "corpus/$target/$(sha1sum "$file" | cut -c1-16)"
        done
    done
}
seed parse_check cp
seed data_yaml yaml yml
seed data_json json
seed data_csv csv
seed data_toml toml
seed render_human cp yaml
for target in parse_check data_yaml data_json data_csv data_toml render_human; do
    echo "$target: $(ls "corpus/$target" | wc -l) seeds"
done
