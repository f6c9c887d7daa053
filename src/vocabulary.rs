//! Closed vocabularies (fieldless enums whose every value is a stable code) whose list of
//! values and codes cannot fall out of step with the enum.
//!
//! Why: error catalogues, metrics, the dashboard and tests iterate every cause, reason,
//! outcome and front door; a hand-kept `ALL` array can silently miss a variant added later.
//! The enum itself is plain Rust (rustfmt formats it, its docs are where a reader looks);
//! [`vocabulary!`] takes its table of `Variant => "code"` and writes `ALL` and `as_str`
//! from it. `as_str` is one exhaustive `match` over that table, so the compiler refuses a
//! variant the table misses, and a variant named twice is an unreachable pattern (denied
//! in CI): `ALL` is every value, once, in the table's order.

/// `vocabulary! { Name { A => "a", B => "b" } }`: `Name::ALL` (every value, once) and
/// `Name::as_str` (its stable code). `vocabulary! { Name { A, B } }`: `Name::ALL` alone,
/// for a vocabulary without codes, pinned by the same exhaustive match.
macro_rules! vocabulary {
    ($name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, once, in the order of its vocabulary table.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's stable code (logs, metrics, clients).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }
    };
    ($name:ident { $($variant:ident),+ $(,)? }) => {
        impl $name {
            /// Every value, once, in the order of its vocabulary table.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }

        // The same list as an exhaustive match: a variant missing from `ALL` fails to compile.
        const _: fn($name) = |value| match value {
            $($name::$variant)|+ => {}
        };
    };
}

pub(crate) use vocabulary;
