//! Line ends and byte order marks: a CSV file saved with `\r\n` (RFC 4180, Excel), `\r`
//! or a mix, with or without a UTF-8 byte order mark, loads to the same values and the
//! same diagnostics at the same lines and columns as the file with `\n`.
use proptest::prelude::*;

use crate::helpers::*;

const SCHEMA: &str =
    "entity svc {\n  key id: string\n  note: string?\n  tags: [string]\n  ports: [int]\n  zone: \"eu\" | \"us\"\n}\n";

/// The ways a file can be saved: its line end (or, for `Mixed`, one per line by index)
/// and whether it starts with a byte order mark.
#[derive(Clone, Copy, Debug)]
enum Ending {
    Lf,
    CrLf,
    Cr,
    Mixed,
}

/// `lines` joined as a file saved with `ending` (and `bom`); `seed` picks the mixed ends.
fn saved(lines: &[String], ending: Ending, bom: bool, trailing_end: bool, seed: &[u8]) -> String {
    let mut out = String::from(if bom { "\u{feff}" } else { "" });
    for (index, line) in lines.iter().enumerate() {
        out.push_str(line);
        if index + 1 == lines.len() && !trailing_end {
            break;
        }
        let end = match ending {
            Ending::Lf => "\n",
            Ending::CrLf => "\r\n",
            Ending::Cr => "\r",
            Ending::Mixed => ["\n", "\r\n", "\r"][usize::from(seed.get(index).copied().unwrap_or(0) % 3)],
        };
        out.push_str(end);
    }
    out
}

/// The project: `SCHEMA`, and `text` as the source `svcs` in `svc.csv`.
fn svc_world(text: &str) -> World {
    World::new(SCHEMA).source("svcs", "[svc]", "svc.csv", text)
}

/// The loaded values as JSON and the diagnostics rendered with `file:line:col` and the
/// text each label covers.
fn load(text: &str) -> (String, String) {
    let loaded = svc_world(text).load();
    let values = loaded.values[0].as_ref().map(|v| v.to_json(false).to_string());
    (values.unwrap_or_else(|| "no value".into()), loaded.render())
}

#[test]
fn crlf_cr_mixed_and_bom_load_as_lf_does() {
    let lines: Vec<String> = [
        "id,note,tags,ports,zone,,",
        "a,\"x, y\",red; \"\"blue\"\",80; 443,eu,,",
        "b,,,,us,,",
        "c,\"said \"\"hi\"\"\",\"a;b, c\",1;x;3,uk,,",
        "d,plain,one,7,eu,,",
    ]
    .map(String::from)
    .to_vec();
    let lf = load(&saved(&lines, Ending::Lf, false, true, &[]));
    assert_eq!(
        lf.0,
        r#"[{"id":"a","note":"x, y","tags":["red","\"\"blue\"\""],"ports":[80,443],"zone":"eu"},{"id":"b","note":null,"tags":[],"ports":[],"zone":"us"},{"id":"c","note":"said \"hi\"","tags":["a","b, c"],"ports":[1,null,3],"zone":null},{"id":"d","note":"plain","tags":["one"],"ports":[7],"zone":"eu"}]"#
    );
    insta::assert_snapshot!(lf.1);
    for ending in [Ending::CrLf, Ending::Cr, Ending::Mixed, Ending::Lf] {
        for bom in [false, true] {
            for trailing_end in [false, true] {
                let text = saved(&lines, ending, bom, trailing_end, &[0, 1, 2, 1, 0]);
                assert_eq!(load(&text), lf, "{ending:?}, bom {bom}, trailing end {trailing_end}");
            }
        }
    }
}

#[test]
fn an_unnamed_column_is_ignored_while_empty_and_reported_at_its_first_value() {
    let text = "id,note,,tags,ports,zone,\na,,,,,eu,\nb,,,,,us,stray\nc,,\"\",,,eu,more\n";
    let loaded = svc_world(text).load();
    assert_eq!(loaded.items().len(), 3, "every row still loads");
    insta::assert_snapshot!(loaded.render());
}

/// A cell as written in the file, and what it holds.
#[derive(Clone, Debug)]
struct Cell {
    written: String,
}

/// Text that needs quoting when it has a comma, a quote or a `;` meant as a character.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn note_cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        Just(String::new()),
        Just("\"\"".to_string()),
        "[a-z]{1,4}".prop_map(|s| s),
        "[a-z,;\" ]{1,6}".prop_map(|s| quoted(&s)),
    ]
    .prop_map(|written| Cell { written })
}

fn tags_cell() -> impl Strategy<Value = Cell> {
    prop::collection::vec("[a-z ,\"]{0,4}", 0..4).prop_map(|items| {
        let joined = items.join(";");
        let plain = !joined.contains([',', '"']) && !joined.starts_with(' ');
        Cell {
            written: if plain { joined } else { quoted(&joined) },
        }
    })
}

fn ports_cell() -> impl Strategy<Value = Cell> {
    prop::collection::vec(
        prop_oneof!["[0-9]{1,3}", Just("x".to_string()), Just(" 8 ".to_string())],
        0..4,
    )
    .prop_map(|items| Cell {
        written: items.join(";"),
    })
}

fn zone_cell() -> impl Strategy<Value = Cell> {
    prop_oneof![Just("eu"), Just("us"), Just("\"us\""), Just("uk"), Just("")]
        .prop_map(|z| Cell { written: z.to_string() })
}

/// One row: an id from a small set (so duplicates happen), the typed cells, and perhaps
/// a cell in the unnamed last column or a missing cell.
fn row() -> impl Strategy<Value = String> {
    (
        "[a-c]",
        note_cell(),
        tags_cell(),
        ports_cell(),
        zone_cell(),
        prop_oneof![Just(","), Just(",,"), Just(",,z"), Just(",\"\",")],
    )
        .prop_map(|(id, note, tags, ports, zone, tail)| {
            format!(
                "{id},{},{},{},{}{tail}",
                note.written, tags.written, ports.written, zone.written
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any table, saved with any line end and with or without a byte order mark, loads
    /// to the values and the diagnostics (lines, columns, covered text) of its LF form.
    #[test]
    fn any_table_loads_the_same_with_any_line_end(
        rows in prop::collection::vec(row(), 1..6),
        seed in prop::collection::vec(any::<u8>(), 8),
        trailing_end in any::<bool>(),
    ) {
        let mut lines = vec!["id,note,tags,ports,zone,,".to_string()];
        lines.extend(rows);
        let lf = load(&saved(&lines, Ending::Lf, false, trailing_end, &seed));
        for ending in [Ending::CrLf, Ending::Cr, Ending::Mixed, Ending::Lf] {
            for bom in [false, true] {
                let text = saved(&lines, ending, bom, trailing_end, &seed);
                prop_assert_eq!(&load(&text), &lf, "{:?}, bom {}", ending, bom);
            }
        }
    }
}

/// How a data file of an example is saved again: its line end and a byte order mark.
/// `cpl` reads UTF-8 with or without a byte order mark in every format, and refuses
/// UTF-16 and UTF-32 with E0011 (`decode` in `src/project/files.rs`). Every format takes
/// `\n` and `\r\n`; CSV, JSON and YAML also take a lone `\r`, while TOML's grammar allows
/// no lone `\r`, so the CR form leaves `.toml` files (here only `cpl.toml`) as they are.
#[derive(Clone, Copy, Debug)]
struct Resave {
    ending: &'static str,
    bom: bool,
}

const RESAVES: &[Resave] = &[
    Resave {
        ending: "\r\n",
        bom: false,
    },
    Resave {
        ending: "\r",
        bom: false,
    },
    Resave {
        ending: "\n",
        bom: true,
    },
    Resave {
        ending: "\r\n",
        bom: true,
    },
];

/// Inputs for gates that take one, as the examples' READMEs run them. A gate with an
/// input missing here fails the test, so a new one is not skipped unnoticed.
const GATE_INPUTS: &[(&str, &str, &[&str])] = &[(
    "repo-governance",
    "cloud_plan",
    &["plan=plans/tfplan-ok.json", "plan=plans/tfplan-public-bucket.json"],
)];

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Saves every data file under `dir` again as `resave` says; returns how many.
fn resave_data(dir: &std::path::Path, resave: Resave) -> usize {
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            count += resave_data(&path, resave);
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let data = matches!(ext, "csv" | "json" | "yaml" | "yml") || (ext == "toml" && resave.ending != "\r");
        if !data {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap().replace("\r\n", "\n");
        let bom = if resave.bom { "\u{feff}" } else { "" };
        std::fs::write(&path, format!("{bom}{}", text.replace('\n', resave.ending))).unwrap();
        count += 1;
    }
    count
}

/// Names declared by `keyword` at the start of a line in the example's `.cp` files: the
/// gates, the policies without parameters, or the sources.
fn declared(dir: &std::path::Path, keyword: &str) -> Vec<String> {
    let mut names = Vec::new();
    for path in cpl::project::find_cp_files(dir) {
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let Some(rest) = line.strip_prefix(keyword) else {
                continue;
            };
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let after = rest.get(name.len()..).unwrap_or("").trim_start();
            let parameterless = !after.starts_with('(');
            if !name.is_empty() && (keyword != "policy " || parameterless) {
                names.push(name);
            }
        }
    }
    names.sort();
    names
}

/// The commands whose JSON output must not change: `check`, every gate (with its
/// inputs), every policy without parameters, and every source's values.
fn commands(example: &str, dir: &std::path::Path) -> Vec<Vec<String>> {
    let owned = |args: &[&str]| args.iter().map(ToString::to_string).collect::<Vec<_>>();
    let mut out = vec![owned(&["check"])];
    for gate in declared(dir, "gate ") {
        let text: String = cpl::project::find_cp_files(dir)
            .into_iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        let body = text.split(&format!("gate {gate} {{")).nth(1).unwrap_or("");
        let takes_input = body.split('}').next().unwrap_or("").contains("input ");
        if takes_input {
            let inputs = GATE_INPUTS
                .iter()
                .find(|(e, g, _)| *e == example && *g == gate)
                .unwrap_or_else(|| panic!("gate `{gate}` of `{example}` takes an input: add it to GATE_INPUTS"));
            for input in inputs.2 {
                out.push(owned(&["gate", &gate, "--input", input]));
            }
        } else {
            out.push(owned(&["gate", &gate]));
        }
    }
    for policy in declared(dir, "policy ") {
        out.push(owned(&["policy", &policy]));
    }
    for source in declared(dir, "source ") {
        out.push(owned(&["eval", &source]));
    }
    out
}

/// Exit code, standard output and standard error of `cpl ARGS --format json` in `dir`.
fn run_cpl(dir: &std::path::Path, args: &[String]) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cpl"))
        .args(args)
        .args(["--format", "json", "--project"])
        .arg(dir)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every example, its data saved again with CRLF, with CR, and with a byte order mark,
/// checks, decides and loads exactly as the original: same diagnostics at the same lines
/// and columns, same gate and policy decisions, same values.
#[test]
fn every_example_decides_the_same_with_its_data_saved_any_way() {
    let examples = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"));
    let mut names: Vec<String> = std::fs::read_dir(examples)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    let mut resaved_files = 0;
    for name in &names {
        let temp = tempfile::tempdir().unwrap();
        let original = temp.path().join("original");
        copy_tree(&examples.join(name), &original);
        let commands = commands(name, &original);
        let expected: Vec<_> = commands.iter().map(|args| run_cpl(&original, args)).collect();
        for (args, result) in commands.iter().zip(&expected) {
            assert!(
                result.0.is_some_and(|code| code <= 1) && result.1.starts_with('{'),
                "{name}: `cpl {}` did not give a result: {result:?}",
                args.join(" ")
            );
        }
        for (index, &resave) in RESAVES.iter().enumerate() {
            let copy = temp.path().join(format!("resaved{index}"));
            copy_tree(&examples.join(name), &copy);
            resaved_files += resave_data(&copy, resave);
            for (args, want) in commands.iter().zip(&expected) {
                let got = run_cpl(&copy, args);
                assert_eq!(&got, want, "{name} saved as {resave:?}: `cpl {}`", args.join(" "));
            }
        }
    }
    assert!(resaved_files > 0, "no data file was saved again");
}

/// A line holding only `""` is a row with one empty string, not a blank line: it is
/// reported like any row of the wrong length, never skipped in silence.
#[test]
fn a_row_of_one_quoted_empty_cell_is_reported_not_skipped() {
    let text = "id,note,tags,ports,zone\r\na,,,,eu\r\n\"\"\r\n\r\nb,,,,us\r\n";
    let loaded = svc_world(text).load();
    assert_eq!(loaded.items().len(), 2);
    insta::assert_snapshot!(loaded.render(), @r#"
    error[E0411] row has 1 cells, the header has 5
      --> svc.csv:3:1 `""`: this row
        + svc.csv:1:1 `id,note,tags,ports,zone`: the header
      help: give every row one cell per column; quote cells that contain commas
    "#);
}
