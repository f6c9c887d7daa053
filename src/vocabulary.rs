//! Declaring a closed vocabulary (a fieldless enum whose every value is a stable code) so
//! that its list of values cannot fall out of step with it.
//!
//! Why: error catalogues, metrics and tests iterate every cause, reason and source; a
//! hand-kept `ALL` array can silently miss a variant added later. [`vocabulary!`] writes the
//! enum and its `ALL` from the one declaration. Everything else about a vocabulary (its
//! codes, messages, kinds) stays in explicit `match`es, which the compiler checks for
//! exhaustiveness.

/// Declares `enum NAME { ... }` (attributes and doc comments kept) and
/// `NAME::ALL: &[NAME]`, every variant once, in declaration order.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, once, in declaration order (generated from the declaration,
            /// so it cannot miss one).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }
    };
}

pub(crate) use vocabulary;
