//! Every sample event in events/ goes through the function against a real local DynamoDB
//! seeded with the demo session, and must get the answer events/expected.json lists, in
//! its front door's response format. A new event without an expectation fails here.

use get_session::unix_now;
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

    // The same judge the scripts ask (testkit::judge): the door's format, the contract's
    // promises, the listed answer, and an error's op_id the invocation's id.
    for file in &files {
        let op_id = invocation_id();
        let response = app
            .invoke(&fixture_text(file), &op_id)
            .await
            .expect("a known front door gets an answer");
        let response = serde_json::to_value(response).unwrap();
        let door = judge::door_of_sample(file).unwrap();
        let want = judge::Want::of_sample(file).unwrap();
        assert_eq!(
            judge::judge(door, &response, Some(&op_id), &want, false),
            judge::Verdict::Right,
            "{file}: {response}"
        );
    }
}
