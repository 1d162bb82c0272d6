#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::disallowed_methods)]
use zone::master;
#[test]
fn perf() {
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let mut text = String::from(
        "$ORIGIN example.com.\n$TTL 300\n@ SOA ns hostmaster 1 2h 15m 2w 5m\n NS ns\n",
    );
    for i in 0..n {
        text.push_str(&format!("h{i} A 10.{}.{}.{}\n", (i >> 16) & 255, (i >> 8) & 255, i & 255));
    }
    let t = std::time::Instant::now();
    let r = master::parse(&text, None);
    println!("parse {n}: {:?} ok={}", t.elapsed(), r.is_ok());
    if let Ok(m) = r {
        let t = std::time::Instant::now();
        let out = master::write(&m.origin, &m.records);
        println!("write: {:?} {} bytes", t.elapsed(), out.len());
    } else if let Err(e) = r {
        println!("{:?}", &e[..e.len().min(3)]);
    }
}
