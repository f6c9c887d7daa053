//! The token rules of the README's table as rows of header fields, for every function
//! that reads a token (`tests/token_rules.rs` through each front door, `tests/authorizer.rs`
//! through each authorizer shape): one table, so no function's reading can drift.

use crate::DEMO_TOKEN;

pub const T: &str = DEMO_TOKEN;
pub const U: &str = "other-session-token-9876543210fedcba";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// 200 with the demo user.
    Demo,
    /// 200 `{}`.
    Nobody,
    /// 400 invalid_session_token.
    Malformed,
}

/// (what, fields in the order sent, answer, holds only where a front door keeps every
/// value of a repeated header).
pub type Row = (&'static str, Vec<(&'static str, String)>, Want, bool);

pub fn rows() -> Vec<Row> {
    let f = |n: &'static str, v: &str| (n, v.to_owned());
    vec![
        ("header", vec![f("x-dr-session", T)], Want::Demo, false),
        (
            "header twice, same value",
            vec![f("x-dr-session", T), f("x-dr-session", T)],
            Want::Demo,
            false,
        ),
        (
            "header twice, different values",
            vec![f("x-dr-session", T), f("x-dr-session", U)],
            Want::Malformed,
            true,
        ),
        (
            "header with a comma-joined pair of the same token",
            vec![f("x-dr-session", &format!("{T},{T}"))],
            Want::Demo,
            false,
        ),
        (
            "header with a comma-joined pair of different tokens",
            vec![f("x-dr-session", &format!("{T}, {U}"))],
            Want::Malformed,
            false,
        ),
        (
            "header with a control character",
            vec![f("x-dr-session", "ab\u{1}cd")],
            Want::Malformed,
            false,
        ),
        (
            "header with a non-ASCII character",
            vec![f("x-dr-session", "café-token")],
            Want::Malformed,
            false,
        ),
        (
            "bearer",
            vec![f("authorization", &format!("Bearer {T}"))],
            Want::Demo,
            false,
        ),
        (
            "bearer twice, different values",
            vec![
                f("authorization", &format!("Bearer {T}")),
                f("authorization", &format!("Bearer {U}")),
            ],
            Want::Malformed,
            true,
        ),
        (
            "two bearer credentials in one field",
            vec![f("authorization", &format!("Bearer {T}, Bearer {U}"))],
            Want::Malformed,
            false,
        ),
        (
            "basic credentials beside a bearer token",
            vec![f(
                "authorization",
                &format!("Basic dXNlcjpwYXNz, Bearer {T}"),
            )],
            Want::Demo,
            false,
        ),
        (
            "other schemes only",
            vec![f("authorization", "Basic dXNlcjpwYXNz")],
            Want::Nobody,
            false,
        ),
        (
            "cookie among others",
            vec![f("cookie", &format!("theme=dark; session={T}; lang=en"))],
            Want::Demo,
            false,
        ),
        (
            "cookie crumbs, the session cookie first",
            vec![
                f("cookie", &format!("session={T}")),
                f("cookie", "theme=dark"),
                f("cookie", "lang=en"),
            ],
            Want::Demo,
            true,
        ),
        (
            "session cookie twice in one field, different values",
            vec![f("cookie", &format!("session={T}; session={U}"))],
            Want::Malformed,
            false,
        ),
        (
            "session cookie in two fields, different values",
            vec![
                f("cookie", &format!("session={T}")),
                f("cookie", &format!("session={U}")),
            ],
            Want::Malformed,
            true,
        ),
        (
            "a cookie with a control character beside the session cookie",
            vec![f("cookie", &format!("x=a\u{1}\u{7f}; session={T}"))],
            Want::Demo,
            false,
        ),
        (
            "a percent-encoded session cookie",
            vec![f(
                "cookie",
                "session=demo-session-token-0123456789abcdef%3D%3D",
            )],
            Want::Nobody,
            false,
        ),
        (
            "a malformed header does not fall through to a valid cookie",
            vec![
                f("x-dr-session", "not a token"),
                f("cookie", &format!("session={T}")),
            ],
            Want::Malformed,
            false,
        ),
        (
            "the header wins over bearer and cookie",
            vec![
                f("cookie", &format!("session={U}")),
                f("authorization", &format!("Bearer {U}")),
                f("x-dr-session", T),
            ],
            Want::Demo,
            false,
        ),
        (
            "no token at all",
            vec![f("accept", "application/json")],
            Want::Nobody,
            false,
        ),
    ]
}
