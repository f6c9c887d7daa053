//! Every sample event in events/ goes through the handler against a real local DynamoDB
//! seeded with the demo session, and must give the answer events/expected.json lists.
//! A new event without an expectation, or a broken one, fails here.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use get_session::session::{unix_now, KeyScheme, SessionKey, SessionRecord, Username};
use get_session::token::SessionToken;
use get_session::DynamoStore;
use serde_json::Value;

const DEMO_TOKEN: &str = "demo-session-token-0123456789abcdef";

fn event_files(dir: &Path, out: &mut BTreeSet<String>, root: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path: PathBuf = entry.unwrap().path();
        if path.is_dir() {
            event_files(&path, out, root);
        } else if path.extension().is_some_and(|e| e == "json")
            && path.file_name() != Some("expected.json".as_ref())
        {
            out.insert(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

#[tokio::test]
async fn every_sample_event_gets_its_expected_answer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap())
            .unwrap();
    let expected = expected["events"]
        .as_object()
        .expect("expected.json has an `events` object");

    let mut files = BTreeSet::new();
    event_files(&root, &mut files, &root);
    let listed: BTreeSet<String> = expected.keys().cloned().collect();
    assert_eq!(
        files, listed,
        "events/ and events/expected.json must list the same files"
    );
    assert!(files.len() >= 18, "3 event kinds x 6 cases at least");

    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let store = DynamoStore::new(client.clone(), &table, true);
    let demo = SessionToken::parse(DEMO_TOKEN.as_bytes()).unwrap();
    let record = SessionRecord {
        username: Username::new("demo").unwrap(),
        expires_at: unix_now() + 3600,
    };
    store
        .put(&SessionKey::derive(&demo, KeyScheme::Sha256), &record)
        .await
        .unwrap();
    let app = app(&client, &config(&table, &[]));

    for file in &files {
        let want = &expected[file];
        let json = std::fs::read_to_string(root.join(file)).unwrap();
        let op_id = invocation_id();
        let response = app.handle(&request(&json, &op_id)).await;
        let status = want["status"].as_u64().unwrap() as u16;
        match want.get("error_code").and_then(Value::as_str) {
            Some(code) => assert_error(&response, status, code, &op_id),
            None => {
                let (got, body) = parts(&response);
                assert_eq!(got, status, "{file}: {body}");
                assert_eq!(body.get("username"), want.get("username"), "{file}: {body}");
            }
        }
    }
}
