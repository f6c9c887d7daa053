//! Every sample event in events/ goes through its function (`get-session`, or
//! `delete-session` where expected.json says so) against a real local DynamoDB seeded with
//! the demo session and each sample's own, and must get the answer events/expected.json
//! lists, in its front door's response format (a second time where it lists `again`). A
//! new event without an expectation fails here.

use get_session::Method;
use testkit::judge::{sample_sessions, Expected};
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
    for (token, user, expires_at) in sample_sessions() {
        put_session(&client, &table, &token, user, expires_at).await;
    }
    let config = config(&table, &[]);
    let (get, delete) = (
        app(&client, &config),
        app_of(Method::Delete, &client, &config),
    );

    // The same judge the scripts ask (testkit::judge): the door's format, the contract's
    // promises, the listed answer, and an error's op_id the invocation's id.
    for file in &files {
        let expected = Expected::of_sample(file).unwrap();
        let door = judge::door_of_sample(file).unwrap();
        let function = match expected.method {
            Method::Get => &get,
            Method::Delete => &delete,
        };
        for want in std::iter::once(&expected.want).chain(&expected.again) {
            let op_id = invocation_id();
            let response = function
                .invoke(&fixture_text(file), &op_id)
                .await
                .expect("a known front door gets an answer");
            let response = serde_json::to_value(response).unwrap();
            assert_eq!(
                judge::judge(door, expected.method, &response, Some(&op_id), want, false),
                judge::Verdict::Right,
                "{file}: {response}"
            );
        }
    }
}
