//! Line ends and byte order marks: a CSV file saved with `\r\n` (RFC 4180, Excel), `\r`
//! or a mix, with or without a UTF-8 byte order mark, loads to the same values and the
//! same diagnostics at the same lines and columns as the file with `\n`.
use cpl::check::Type;
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

fn svc_world() -> (World, cpl::check::EntityId) {
    let mut world = World::new(SCHEMA);
    let id = world.entity(
        "svc",
        vec![
            f("id", Type::String),
            f("note", opt(Type::String)),
            f("tags", list(Type::String)),
            f("ports", list(Type::Int)),
            f("zone", one_of(&["eu", "us"])),
        ],
    );
    (world, id)
}

/// The loaded values as JSON and the diagnostics rendered with `file:line:col` and the
/// text each label covers.
fn load(text: &str) -> (String, String) {
    let (mut world, id) = svc_world();
    let file = world.file("svc.csv", text);
    let loaded = world.load_entities(file, id, "svcs");
    let values = loaded.values[0].as_ref().map(|v| v.to_json(false).to_string());
    (values.unwrap_or_else(|| "no value".into()), world.render(&loaded.diags))
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
    let (mut world, id) = svc_world();
    let text = "id,note,,tags,ports,zone,\na,,,,,eu,\nb,,,,,us,stray\nc,,\"\",,,eu,more\n";
    let file = world.file("svc.csv", text);
    let loaded = world.load_entities(file, id, "svcs");
    assert_eq!(loaded.items().len(), 3, "every row still loads");
    insta::assert_snapshot!(world.render(&loaded.diags));
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
