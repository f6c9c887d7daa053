//! Every sample event in events/ goes through the function against a real local DynamoDB
//! seeded with the demo session, and must get the answer events/expected.json lists, in
//! its front door's response format. A new event without an expectation fails here.

use get_session::unix_now;
use serde_json::Value;
use testkit::*;

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn every_sample_event_gets_its_expected_answer() {
    let expected = expected();
    let files = fixture_files();
    let listed: Vec<String> = expected.keys().cloned().collect();
    assert_eq!(
        files, listed,
        "events/ and events/expected.json must list the same files"
    );
    for &shape in Shape::ALL {
        assert!(
            files.iter().any(|f| Shape::of_fixture(f) == shape),
            "no sample event for {shape:?}"
        );
    }

    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    put_session(&client, &table, DEMO_TOKEN, "demo", unix_now() + 3600).await;
    let app = app(&client, &config(&table, &[]));

    for file in &files {
        let want = &expected[file];
        let op_id = invocation_id();
        let answer = invoke_json(&app, &fixture_text(file), &op_id).await;
        let status = want["status"].as_u64().unwrap() as u16;
        match want.get("error_code").and_then(Value::as_str) {
            Some(code) => assert_error(&answer, status, code, &op_id),
            None => {
                assert_eq!(answer.status, status, "{file}: {}", answer.body);
                assert_eq!(
                    answer.body.get("username"),
                    want.get("username"),
                    "{file}: {}",
                    answer.body
                );
            }
        }
    }
}
