#![allow(clippy::unwrap_used, clippy::print_stdout)]
use zone::master;
#[test]
fn probe() {
    for f in ["example", "no-ttl", "errors"] {
        let text =
            std::fs::read_to_string(format!("{}/tests/data/{f}.zone", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        match master::parse(&text, None) {
            Ok(m) => {
                println!("== {f}: origin {}", m.origin);
                let out = master::write(&m.origin, &m.records);
                println!("{out}");
                let again = master::parse(&out, None).unwrap();
                assert_eq!(again.records.len(), m.records.len());
            }
            Err(e) => {
                println!("== {f}");
                for e in e {
                    println!("{e}");
                }
            }
        }
    }
}
