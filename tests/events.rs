//! Every sample event in events/ goes through its function (`get-session`, or
//! `delete-session` or `session-authorizer` where expected.json says so) against a real local DynamoDB seeded with
//! the demo session and each sample's own, and must get the answer events/expected.json
//! lists, in its front door's response format (a second time where it lists `again`). A
//! new event without an expectation fails here.

use get_session::{Method, SessionAuthorizer};
use testkit::judge::{sample_sessions, Expected, Target};
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
            files
                .iter()
                .any(|f| Shape::of_dir(f.split('/').next().unwrap()) == Some(shape)),
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
    let authorizer = SessionAuthorizer::new(store(&client, &config), &config);

    // The same judge the scripts ask (testkit::judge): the door's format, the contract's
    // promises, the listed answer, and an error's op_id the invocation's id.
    for file in &files {
        let expected = Expected::of_sample(file).unwrap();
        let wants = std::iter::once(false).chain(expected.again.as_ref().map(|_| true));
        for again in wants {
            let op_id = invocation_id();
            let event = fixture_text(file);
            let response = match expected.target {
                Target::Endpoint(Method::Get) => get.invoke(&event, &op_id).await.map(json),
                Target::Endpoint(Method::Delete) => delete.invoke(&event, &op_id).await.map(json),
                Target::Authorizer => {
                    Ok(invocation_answer(authorizer.invoke(&event, &op_id).await))
                }
            }
            .expect("a known front door gets an answer");
            assert_eq!(
                judge::judge_sample(file, &response, Some(&op_id), again).unwrap(),
                judge::Verdict::Right,
                "{file}: {response}"
            );
        }
    }
}

fn json(response: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(response).unwrap()
}
