//! The function's IAM permissions in template.yaml, against what its code does: it may
//! read items of the session table, and (only with TouchOnRead) update one attribute of
//! them, under IAM conditions that name exactly the attributes the touch names
//! (`TOUCH_ATTRIBUTES`) and allow no returned values. cfn-lint and `sam validate --lint`
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

#[test]
fn each_action_is_granted_once_and_only_the_ones_the_code_calls() {
    let actions: Vec<&str> = TEMPLATE
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Action: dynamodb:"))
        .collect();
    assert_eq!(
        actions,
        ["GetItem", "UpdateItem"],
        "the function's dynamodb actions"
    );
    let get = statement("dynamodb:GetItem").join("\n");
    assert!(!get.contains("Condition"), "{get}");
}
