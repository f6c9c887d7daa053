//! One invocation of an event grown toward Lambda's 6 MB limit, for `scripts/bench`'s
//! instruction counts under callgrind (`scripts/bench_event_size`):
//! `event_cost GROWTH KIB build|invoke|time`, GROWTH an index into `Growth::ALL`. `build`
//! only makes the event, so one invocation's count is the difference of the two runs. Prints
//! the event's size in bytes and the answer's status; `time` adds the median wall time of 11
//! invocations of the same event and, as the baseline measured in the same run, of 11 reads
//! of it into `Box<RawValue>` (what `lambda_runtime` does with every event before the
//! handler runs), both in milliseconds.

use testkit::{memory_endpoint, Growth};

const TOKEN: &str = "3f8a1c9e0b7d4f2a6c5e8b1d9f0a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [growth, kib, mode] = &args[..] else {
        eprintln!("usage: event_cost GROWTH KIB build|invoke");
        std::process::exit(2);
    };
    let growth = Growth::ALL[growth.parse::<usize>().expect("GROWTH is an index")];
    let event = growth.event(kib.parse::<usize>().expect("KIB is a number") * 1024, TOKEN);
    let app = memory_endpoint(&[(TOKEN, "alice")], &[]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let invoke = || {
        let response = rt
            .block_on(app.invoke(std::hint::black_box(&event), "bench"))
            .expect("a known front door");
        serde_json::to_value(response).unwrap()["statusCode"].clone()
    };
    match mode.as_str() {
        "build" => println!("{} null", event.len()),
        "invoke" => println!("{} {}", event.len(), invoke()),
        _ => {
            let median_ms = |f: &dyn Fn()| {
                let mut ms: Vec<f64> = (0..11)
                    .map(|_| {
                        let t0 = std::time::Instant::now();
                        f();
                        t0.elapsed().as_secs_f64() * 1e3
                    })
                    .collect();
                ms.sort_by(f64::total_cmp);
                ms[ms.len() / 2]
            };
            let runtime = median_ms(&|| {
                let raw: Box<serde_json::value::RawValue> =
                    serde_json::from_str(std::hint::black_box(&event)).unwrap();
                drop(raw);
            });
            let whole = median_ms(&|| {
                invoke();
            });
            println!("{} {} {whole:.1} {runtime:.1}", event.len(), invoke());
        }
    }
}
