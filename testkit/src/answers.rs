//! Invoking the function the way the runtime does (event JSON in, the front door's
//! response JSON out) and the contract's assertions on what comes back.

use aws_sdk_dynamodb::Client;
use serde_json::{json, Value};

use crate::MemoryStore;
use get_session::ApiError;
use get_session::{unix_now, KeyScheme, SessionKey, SessionRecord, Username};
use get_session::{
    AuthorizerError, AuthorizerResponse, Config, DynamoStore, Method, SessionAuthorizer,
    SessionEndpoint,
};
use get_session::{Cause, SessionStore, StoreError};
use get_session::{Event, FrontDoor, Unreadable};
use get_session::{Malformed, SessionToken, Source, TokenError};

/// A response as the front door receives it, read back per its format.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Response headers (lowercase names), every value.
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The whole response JSON.
    pub raw: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `(status, body)`, for compact assertions.
    pub fn parts(&self) -> (u16, Value) {
        (self.status, self.body.clone())
    }
}

/// The front door an event's JSON comes through, as the function detects it.
pub fn door_of(json: &str) -> FrontDoor {
    Event::parse(json)
        .as_ref()
        .and_then(FrontDoor::detect)
        .expect("an event of a known front door")
}

/// Reads a response of the front door `door`, checking its format: payload 1.0 answers in
/// `multiValueHeaders` only, payload 2.0 and VPC Lattice in `headers`, an ALB in both; an
/// ALB and VPC Lattice with a `statusDescription`. Panics where the format is wrong.
pub fn answer_of(door: FrontDoor, response: &Value) -> Answer {
    read_answer(door, response).unwrap_or_else(|why| panic!("{why}"))
}

/// [`answer_of`], saying what is wrong instead of panicking (for [`judge`]).
pub fn read_answer(door: FrontDoor, response: &Value) -> Result<Answer, String> {
    let wrong = |why: &str| Err(format!("{why}: {response}"));
    let Some(status) = response["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
    else {
        return wrong("no statusCode");
    };
    let mut headers = Vec::new();
    let multi = response.get("multiValueHeaders").and_then(Value::as_object);
    let single = response.get("headers").and_then(Value::as_object);
    let described = response["statusDescription"]
        .as_str()
        .is_some_and(|d| d.starts_with(&format!("{status} ")));
    match door {
        FrontDoor::PayloadV2 | FrontDoor::LatticeV1 | FrontDoor::LatticeV2 => {
            let Some(single) = single else {
                return wrong("payload 2.0 and VPC Lattice answer in `headers`");
            };
            for (n, v) in single {
                let Some(v) = v.as_str() else {
                    return wrong("a header value that is not a string");
                };
                headers.push((n.to_lowercase(), v.to_owned()));
            }
            if door != FrontDoor::PayloadV2 {
                if !described {
                    return wrong("no statusDescription");
                }
                if multi.is_some() || response["isBase64Encoded"] != Value::Bool(false) {
                    return wrong("VPC Lattice: one value per header, isBase64Encoded false");
                }
            }
        }
        FrontDoor::PayloadV1 | FrontDoor::Alb => {
            let Some(multi) = multi else {
                return wrong("payload 1.0 and ALB answer in `multiValueHeaders`");
            };
            for (n, vs) in multi {
                for v in vs.as_array().into_iter().flatten() {
                    let Some(v) = v.as_str() else {
                        return wrong("a header value that is not a string");
                    };
                    headers.push((n.to_lowercase(), v.to_owned()));
                }
            }
            if door == FrontDoor::Alb {
                if single.map(|s| s.len()) != Some(multi.len()) {
                    return wrong("ALB: both header fields");
                }
                if !described {
                    return wrong("no statusDescription");
                }
            } else if single.is_some_and(|s| !s.is_empty()) {
                return wrong("payload 1.0: headers only in multiValueHeaders");
            }
        }
    }
    // No body (absent, or empty) reads as `null`; any other body must be JSON.
    let text = response["body"].as_str().unwrap_or_default();
    let body = match text {
        "" => Value::Null,
        text => match serde_json::from_str(text) {
            Ok(body) => body,
            Err(e) => return wrong(&format!("body is not JSON ({e})")),
        },
    };
    Ok(Answer {
        status,
        headers,
        body,
        raw: response.clone(),
    })
}

/// One invocation through the function's entry point, as the runtime makes it.
pub async fn invoke<S: SessionStore>(
    app: &SessionEndpoint<S>,
    event: &Value,
    request_id: &str,
) -> Answer {
    invoke_json(app, &event.to_string(), request_id).await
}

/// [`invoke`] with the event's JSON text as the runtime receives it.
pub async fn invoke_json<S: SessionStore>(
    app: &SessionEndpoint<S>,
    json: &str,
    request_id: &str,
) -> Answer {
    let response = app
        .invoke(json, request_id)
        .await
        .expect("a known front door gets an answer");
    answer_of(door_of(json), &serde_json::to_value(response).unwrap())
}

/// The contract's promises for any answer of `method`, whatever the request. `GET`: a 200
/// is `{}` or `{"username": live_user}`, with the JSON and no-store headers. `DELETE` (the
/// DR API's logout): a 204 or a 401 has no body and no-store (a 401 also `WWW-Authenticate`).
/// Both: anything else is a 400, 405 or 500 full ResponseError carrying `op_id` and one of
/// the fixed messages (so nothing from the request, a token above all, is echoed), and a 405
/// says `Allow` with the method in it. With CORS headers (an allowed origin): the exact
/// origin, credentials and `Vary: Origin`, and a preflight's `204` without a body. `Err`
/// says which promise is broken.
pub fn check_contract(
    answer: &Answer,
    method: Method,
    op_id: &str,
    live_user: &str,
) -> Result<(), String> {
    let fail = |why: &str| Err(format!("{why}: {} {}", answer.status, answer.body));
    // CORS (`SESSION_ALLOWED_ORIGINS`): an answer to an allowed origin names that origin
    // exactly, with credentials and `Vary: Origin`; a preflight is a 204 with no body.
    if let Some(origin) = answer.header("access-control-allow-origin") {
        if origin == "*"
            || answer.header("access-control-allow-credentials") != Some("true")
            || answer.header("vary") != Some("Origin")
        {
            return fail(
                "CORS headers that are not an exact origin with credentials and Vary: Origin",
            );
        }
        if answer.status == 204 && answer.header("access-control-allow-methods").is_some() {
            let methods = answer
                .header("access-control-allow-methods")
                .unwrap_or_default();
            return if !answer.body.is_null() || answer.header("content-type").is_some() {
                fail("a preflight's answer has a body")
            } else if !methods.split(", ").any(|m| m == method.as_str()) {
                fail("a preflight's Allow-Methods does not name the function's method")
            } else if answer.header("access-control-allow-headers")
                != Some("x-dr-session, authorization")
            {
                fail("a preflight's Allow-Headers are not the token's")
            } else {
                Ok(())
            };
        }
    }
    let success: &[u16] = match method {
        Method::Get => &[200],
        Method::Delete => &[204, 401],
    };
    if !success.contains(&answer.status) && ![400, 405, 500].contains(&answer.status) {
        return fail("not a contract status");
    }
    if answer.header("cache-control") != Some("no-store") {
        return fail("no Cache-Control: no-store");
    }
    if method == Method::Delete && success.contains(&answer.status) {
        let challenge = answer.header("www-authenticate");
        return if !answer.body.is_null() || answer.header("content-type").is_some() {
            fail("a body where the logout has none")
        } else if (answer.status == 401) != (challenge == Some("Bearer")) {
            fail("a 401 names its scheme in WWW-Authenticate, nothing else does")
        } else {
            Ok(())
        };
    }
    if answer.header("content-type") != Some("application/json") {
        return fail("missing the JSON content type");
    }
    let Some(obj) = answer.body.as_object() else {
        return fail("the body is not an object");
    };
    if answer.status == 200 {
        let live = obj.len() == 1 && obj.get("username").and_then(Value::as_str) == Some(live_user);
        return if obj.is_empty() || live {
            Ok(())
        } else {
            fail("not SessionInfo")
        };
    }
    let code = obj.get("error_code").and_then(Value::as_str);
    let message = obj.get("message").and_then(Value::as_str);
    if obj.len() != 3
        || code.is_none_or(str::is_empty)
        || obj.get("op_id").and_then(Value::as_str) != Some(op_id)
    {
        return fail("not a full ResponseError with this op_id");
    }
    if answer.status == 405
        && !answer
            .header("allow")
            .is_some_and(|allow| allow.split(", ").any(|m| m == method.as_str()))
    {
        return fail("a 405 whose Allow does not name the function's method");
    }
    let fixed = every_error()
        .iter()
        .any(|e| Some(e.message().as_str()) == message);
    if fixed {
        Ok(())
    } else {
        fail("a message that is not one of the fixed sentences")
    }
}

/// A fresh invocation id, as Lambda would send.
pub fn invocation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Asserts a full ResponseError with the given status, code and op_id.
pub fn assert_error(answer: &Answer, status: u16, code: &str, op_id: &str) {
    let body = &answer.body;
    assert_eq!(answer.status, status, "{body}");
    let obj = body.as_object().expect("error body is an object");
    assert_eq!(obj.len(), 3, "exactly error_code, message, op_id: {body}");
    assert_eq!(obj["error_code"], code, "{body}");
    assert!(
        obj["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(obj["op_id"], op_id, "{body}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
}

/// The function's configuration for `table`, plus `extra` settings.
pub fn config(table: &str, extra: &[(&str, &str)]) -> Config {
    Config::from_lookup(|name| {
        if name == "SESSION_TABLE" {
            return Some(table.to_owned());
        }
        extra
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("valid test config")
}

/// The table key of `token` under the default scheme.
pub fn key(token: &str) -> SessionKey {
    SessionKey::derive(
        &SessionToken::parse(token.as_bytes()).unwrap(),
        KeyScheme::Sha256,
    )
}

/// The function with an in-memory store holding a live session (an hour left) for each
/// `(token, username)`, with the default settings plus `extra`.
pub fn memory_endpoint(
    sessions: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> SessionEndpoint<MemoryStore> {
    let store = sessions
        .iter()
        .fold(MemoryStore::default(), |store, (token, user)| {
            let user = Username::new(*user).expect("a username");
            store.with(&key(token), SessionRecord::new(user, unix_now() + 3600))
        });
    SessionEndpoint::get(store, &config("sessions", extra))
}

/// The function of `method` (`get-session`, `delete-session`) with `store` and `config`.
pub fn endpoint_of<S: SessionStore>(
    method: Method,
    store: S,
    config: &Config,
) -> SessionEndpoint<S> {
    match method {
        Method::Get => SessionEndpoint::get(store, config),
        Method::Delete => SessionEndpoint::delete(store, config),
    }
}

/// `get-session` against `table` through `client`.
pub fn app(client: &Client, config: &Config) -> SessionEndpoint<DynamoStore> {
    app_of(Method::Get, client, config)
}

/// The function of `method` against `table` through `client`.
pub fn app_of(method: Method, client: &Client, config: &Config) -> SessionEndpoint<DynamoStore> {
    endpoint_of(method, store(client, config), config)
}

/// The DynamoDB store of `config`'s table through `client`.
pub fn store(client: &Client, config: &Config) -> DynamoStore {
    DynamoStore::new(client.clone(), &config.table, config.consistent_read)
}

/// `session-authorizer` against `config`'s table through `client`.
pub fn authorizer(client: &Client, config: &Config) -> SessionAuthorizer<DynamoStore> {
    SessionAuthorizer::new(store(client, config), config)
}

/// The authorizer's answer as the caller of `Invoke` sees it: its JSON, or an invocation
/// error as the Lambda runtime reports one (`{"errorType", "errorMessage"}`).
pub fn invocation_answer(result: Result<AuthorizerResponse, AuthorizerError>) -> Value {
    match result {
        Ok(answer) => serde_json::to_value(answer).expect("an answer serialises"),
        Err(e) => {
            let d = lambda_runtime::Diagnostic::from(e);
            json!({"errorType": d.error_type, "errorMessage": d.error_message})
        }
    }
}

/// One error of every kind the function can answer (every unreadable field, every token
/// source x reason, every store cause), from each vocabulary's `ALL`: tests check that a
/// response's message is one of these fixed sentences, so nothing from the request can be
/// echoed.
pub fn every_error() -> Vec<ApiError> {
    let mut all = vec![ApiError::MethodNotAllowed];
    all.extend(Unreadable::ALL.iter().map(|&u| ApiError::InvalidRequest(u)));
    for &source in Source::ALL {
        for &reason in Malformed::ALL {
            all.push(ApiError::InvalidToken(TokenError { source, reason }));
        }
    }
    all.extend(
        Cause::ALL
            .iter()
            .map(|&c| ApiError::Store(StoreError::new(c))),
    );
    all
}
