//! The methods of `/session` this crate serves, one function each, and the set of them a
//! deployment serves.
//!
//! Why a module of its own: a function answers one method (`get-session` GET,
//! `delete-session` DELETE), but what a client is told about the resource is the
//! deployment's: a `405`'s `Allow` lists every method the resource serves wherever they
//! are deployed (`SESSION_METHODS`), and the request line names the function's method.

use crate::vocabulary::vocabulary;

/// A method of `/session` that one of this crate's functions answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Who is logged in (`get-session`).
    Get,
    /// Log out (`delete-session`).
    Delete,
}

vocabulary! {
    Method {
        Get => "GET",
        Delete => "DELETE",
    }
}

/// A set of [`Method`]s: those a deployment of `/session` serves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Methods {
    get: bool,
    delete: bool,
}

impl Methods {
    /// The set holding `method` alone.
    pub fn of(method: Method) -> Self {
        Methods::default().with(method)
    }

    /// This set with `method` added.
    pub fn with(mut self, method: Method) -> Self {
        match method {
            Method::Get => self.get = true,
            Method::Delete => self.delete = true,
        }
        self
    }

    pub fn contains(self, method: Method) -> bool {
        match method {
            Method::Get => self.get,
            Method::Delete => self.delete,
        }
    }

    /// A comma-separated list of method names (`GET, DELETE`; any case, in any order,
    /// repeats allowed); `None` where a name is not one of [`Method`]'s or the list is empty.
    pub fn parse(list: &str) -> Option<Self> {
        let mut methods = Methods::default();
        for name in list.split(',').map(str::trim) {
            let method = Method::ALL
                .iter()
                .find(|m| m.as_str().eq_ignore_ascii_case(name))?;
            methods = methods.with(*method);
        }
        Some(methods)
    }

    /// The `Allow` header's value: the set's names, in [`Method::ALL`]'s order.
    pub fn allow(self) -> &'static str {
        match (self.get, self.delete) {
            (true, true) => "GET, DELETE",
            (true, false) => "GET",
            (false, true) => "DELETE",
            (false, false) => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_into_sets_and_back() {
        let both = Methods::of(Method::Get).with(Method::Delete);
        assert_eq!(Methods::parse("GET,DELETE"), Some(both));
        assert_eq!(Methods::parse(" delete , Get, GET "), Some(both));
        assert_eq!(Methods::parse("GET"), Some(Methods::of(Method::Get)));
        assert_eq!(both.allow(), "GET, DELETE");
        assert_eq!(Methods::of(Method::Delete).allow(), "DELETE");
        for bad in ["", "GET,", "POST", "GET DELETE", "GET;DELETE"] {
            assert_eq!(Methods::parse(bad), None, "{bad:?}");
        }
    }
}
