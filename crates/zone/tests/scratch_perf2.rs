#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::disallowed_methods)]
use zone::master;
#[test]
fn perf2() {
    let n = 100_000;
    let mut text = String::from(
        "$ORIGIN example.com.\n$TTL 300\n@ SOA ns hostmaster 1 2h 15m 2w 5m\n NS ns\n",
    );
    for i in 0..n {
        text.push_str(&format!("h{i} A 10.{}.{}.{}\n", (i >> 16) & 255, (i >> 8) & 255, i & 255));
    }
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let r = master::parse(&text, None).unwrap();
        println!("parse {n}: {:?}", t.elapsed());
        let t = std::time::Instant::now();
        drop(r);
        println!("drop: {:?}", t.elapsed());
    }
    let t = std::time::Instant::now();
    let o = hickory_proto::rr::Name::from_ascii("example.com.").unwrap();
    let mut c = 0;
    for line in text.lines().skip(4) {
        let (a, rest) = line.split_once(' ').unwrap();
        let _ = master::parse_rdata(&o, a, "A", 300, &rest[2..]).unwrap();
        c += 1;
    }
    println!("parse_rdata x{c}: {:?}", t.elapsed());
}
