//! The functions' IAM permissions in template.yaml, against what their code does:
//! `get-session` may read items of the session table, and (only with TouchOnRead) update
//! one attribute of them, under IAM conditions that name exactly the attributes the touch
//! names (`TOUCH_ATTRIBUTES`) and allow no returned values; `delete-session` may delete
//! items, and nothing else; `session-authorizer` as `get-session`, its touch under
//! TouchOnAuthorize. cfn-lint and `sam validate --lint`
//! check the template's syntax in CI; this checks that its policy says what the code needs
//! and nothing more.

use get_session::TOUCH_ATTRIBUTES;

const TEMPLATE: &str = include_str!("../template.yaml");

/// The lines of the policy statement whose `Action:` line is `action`, through the end of
/// that statement (the lines indented deeper than its first key).
fn statement(action: &str) -> Vec<&'static str> {
    let lines: Vec<&str> = TEMPLATE.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == format!("Action: {action}"))
        .unwrap_or_else(|| panic!("a statement with Action: {action}"));
    let indent = |l: &str| l.len() - l.trim_start().len();
    let key_indent = indent(lines[at]);
    // From the statement's `- Effect:` line back above, to the next key at a lower indent.
    let start = (0..at)
        .rev()
        .find(|&i| lines[i].trim_start().starts_with("- Effect:"))
        .expect("the statement starts with - Effect:");
    lines[start..]
        .iter()
        .skip(1)
        .take_while(|l| l.trim().is_empty() || indent(l) >= key_indent)
        .copied()
        .collect()
}

#[test]
fn the_touch_may_write_only_the_attributes_it_names_and_return_nothing() {
    let update = statement("dynamodb:UpdateItem");
    let text = update.join("\n");
    let attributes = format!("dynamodb:Attributes: [{}]", TOUCH_ATTRIBUTES.join(", "));
    assert!(text.contains("ForAllValues:StringEquals:"), "{text}");
    assert!(text.contains(&attributes), "wanted {attributes}:\n{text}");
    assert!(text.contains("StringEqualsIfExists:"), "{text}");
    assert!(text.contains("dynamodb:ReturnValues: NONE"), "{text}");
    // The touch's key and written attribute are the table's key and last_seen_at.
    assert_eq!(
        TOUCH_ATTRIBUTES,
        [get_session::KEY_ATTR, get_session::LAST_SEEN_ATTR]
    );
}

/// The lines of the top-level resource `name` (from its line to the next resource).
fn resource(name: &str) -> Vec<&'static str> {
    let head = format!("  {name}:");
    let mut lines = TEMPLATE.lines().skip_while(|l| *l != head);
    let first = lines.next().unwrap_or_else(|| panic!("a resource {name}"));
    std::iter::once(first)
        .chain(lines.take_while(|l| l.is_empty() || l.starts_with("   ") || l.starts_with("  #")))
        .collect()
}

fn actions(lines: &[&'static str]) -> Vec<&'static str> {
    lines
        .iter()
        .filter_map(|l| l.trim().strip_prefix("Action: "))
        .collect()
}

#[test]
fn each_function_is_granted_only_the_actions_its_code_calls() {
    let all: Vec<&str> = actions(&TEMPLATE.lines().collect::<Vec<_>>());
    assert_eq!(
        all,
        [
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:UpdateItem"
        ],
        "every action the template grants: get-session's, delete-session's, the authorizer's"
    );
    assert_eq!(
        actions(&resource("GetSessionFunction")),
        ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    );
    let get = statement("dynamodb:GetItem").join("\n");
    assert!(!get.contains("Condition"), "{get}");
    // The logout's role: DeleteItem alone, on the session table in both table modes.
    let delete = resource("DeleteSessionFunction");
    assert_eq!(actions(&delete), ["dynamodb:DeleteItem"]);
    let statement = statement("dynamodb:DeleteItem").join("\n");
    assert!(
        statement.contains("Resource: !If [CreateTable, !GetAtt SessionTable.Arn, !Sub \"arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ExistingTableName}\"]"),
        "{statement}"
    );
    let text = delete.join("\n");
    assert_eq!(
        text.matches("- Statement:").count(),
        1,
        "one statement: {text}"
    );
    assert!(
        !text.contains("Policy\n") && !text.contains("Policies:\n        - Dynamo"),
        "no managed policies: {text}"
    );
    assert!(text.contains("Binary: delete-session"), "{text}");

    // The authorizer's role: GetItem, and UpdateItem only where an allowed request is
    // activity (TouchOnAuthorize), with the same conditions as GET's touch.
    let authorizer = resource("SessionAuthorizerFunction");
    assert_eq!(
        actions(&authorizer),
        ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    );
    let text = authorizer.join("\n");
    assert!(text.contains("Binary: session-authorizer"), "{text}");
    let update = text
        .split("- AuthorizerTouchOn")
        .nth(1)
        .expect("UpdateItem granted only under AuthorizerTouchOn");
    assert!(
        update
            .trim_start()
            .starts_with("- Effect: Allow\n                Action: dynamodb:UpdateItem"),
        "{update}"
    );
    let attributes = format!("dynamodb:Attributes: [{}]", TOUCH_ATTRIBUTES.join(", "));
    assert!(update.contains(&attributes), "{update}");
    assert!(update.contains("dynamodb:ReturnValues: NONE"), "{update}");
    assert!(TEMPLATE.contains("AuthorizerTouchOn: !Equals [!Ref TouchOnAuthorize, \"true\"]"));
    assert_eq!(
        text.matches("- Statement:").count(),
        1,
        "one statement: {text}"
    );
}
