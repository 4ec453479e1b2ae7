//! The pest parser generated from `grammar/cpl.pest`. Its types stay inside `syntax`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/cpl.pest"]
pub(crate) struct CplParser;

#[cfg(test)]
mod scratch {
    #[test]
    fn scratch_parse() {
        let path = std::env::var("SCRATCH").unwrap_or("/tmp/scratch/brief.cp".into());
        let text = std::fs::read_to_string(path).unwrap();
        let parsed = crate::syntax::parse_file(crate::source::FileId::DETACHED, &text);
        if std::env::var("DUMP").is_ok() {
            println!("{:#?}", parsed.module.items);
        }
        println!(
            "items {} broken {:?}",
            parsed.module.items.len(),
            parsed.module.broken_items
        );
        for d in parsed.diagnostics {
            println!(
                "{} {} {:?} help={:?} [{}]",
                d.code,
                d.message,
                d.primary
                    .as_ref()
                    .map(|l| (l.span.start, l.span.end, l.message.clone())),
                d.help,
                d.primary.as_ref().map(|l| &text[l.span.range()]).unwrap_or("")
            );
        }
    }
}
