//! Each front door's response format: the answer, built as an HTTP response, turned into
//! the JSON the service that sent the event expects back.
//!
//! Why a module of its own: a door's format changes for other reasons than how it is told
//! apart or read (`super`). Responses are built from `aws_lambda_events`' response types,
//! filled as `lambda_http` fills them (its `LambdaResponse::from_response` is private to
//! that crate); VPC Lattice's is [`LatticeResponse`], since that crate's type has no
//! `statusDescription`.

use std::collections::BTreeMap;

use lambda_http::aws_lambda_events::alb::AlbTargetGroupResponse;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::http::response::Parts;
use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

use super::FrontDoor;

/// A response in the format of the front door the request came through.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum FrontDoorResponse {
    PayloadV1(ApiGatewayProxyResponse),
    PayloadV2(ApiGatewayV2httpResponse),
    Alb(AlbTargetGroupResponse),
    Lattice(LatticeResponse),
}

/// VPC Lattice's response (both event structure versions), as AWS documents it: one value
/// per header name (a repeated name's values joined with `, `, RFC 9110 §5.3). Our own
/// type because `aws_lambda_events`' `VpcLatticeResponse` (1.2) has no `statusDescription`
/// and cannot be extended (`non_exhaustive`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LatticeResponse {
    status_code: u16,
    status_description: String,
    headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Body>,
    is_base64_encoded: bool,
}

/// The body as every format carries it: absent, text, or base64 for binary.
struct Payload {
    body: Option<Body>,
    is_base64_encoded: bool,
}

impl FrontDoor {
    /// `response` in this front door's response format.
    pub(crate) fn respond(self, response: Response<Body>) -> FrontDoorResponse {
        let (parts, body) = response.into_parts();
        let payload = match body {
            Body::Empty => Payload {
                body: None,
                is_base64_encoded: false,
            },
            b @ Body::Binary(_) => Payload {
                body: Some(b),
                is_base64_encoded: true,
            },
            b => Payload {
                body: Some(b),
                is_base64_encoded: false,
            },
        };
        match self {
            FrontDoor::PayloadV1 => FrontDoorResponse::PayloadV1(payload_v1(parts, payload)),
            FrontDoor::PayloadV2 => FrontDoorResponse::PayloadV2(payload_v2(parts, payload)),
            FrontDoor::Alb => FrontDoorResponse::Alb(alb(parts, payload)),
            FrontDoor::LatticeV1 | FrontDoor::LatticeV2 => {
                FrontDoorResponse::Lattice(lattice(parts, payload))
            }
        }
    }
}

/// Payload 1.0: API Gateway merges `headers` into `multiValueHeaders`; fill one only.
fn payload_v1(parts: Parts, payload: Payload) -> ApiGatewayProxyResponse {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = i64::from(parts.status.as_u16());
    r.body = payload.body;
    r.is_base64_encoded = payload.is_base64_encoded;
    r.headers = HeaderMap::new();
    r.multi_value_headers = parts.headers;
    r
}

/// Payload 2.0: one `headers` map (a repeated name's values joined by API Gateway).
fn payload_v2(parts: Parts, payload: Payload) -> ApiGatewayV2httpResponse {
    let mut r = ApiGatewayV2httpResponse::default();
    r.status_code = i64::from(parts.status.as_u16());
    r.body = payload.body;
    r.is_base64_encoded = payload.is_base64_encoded;
    r.headers = parts.headers;
    r
}

/// ALB: a target group reads `headers` or `multiValueHeaders`, depending on its
/// multi-value setting, so both are filled; and a `statusDescription`.
fn alb(parts: Parts, payload: Payload) -> AlbTargetGroupResponse {
    let mut r = AlbTargetGroupResponse::default();
    r.status_code = i64::from(parts.status.as_u16());
    r.status_description = Some(status_description(parts.status));
    r.body = payload.body;
    r.is_base64_encoded = payload.is_base64_encoded;
    r.headers = parts.headers.clone();
    r.multi_value_headers = parts.headers;
    r
}

/// VPC Lattice: one value per header name, and a `statusDescription`.
fn lattice(parts: Parts, payload: Payload) -> LatticeResponse {
    let mut headers = BTreeMap::<String, String>::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    LatticeResponse {
        status_code: parts.status.as_u16(),
        status_description: status_description(parts.status),
        headers,
        body: payload.body,
        is_base64_encoded: payload.is_base64_encoded,
    }
}

/// `200 OK`: the status line's code and reason phrase.
fn status_description(status: StatusCode) -> String {
    format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_front_door_answers_in_its_own_format() {
        let response = || {
            let mut r = Response::new(Body::Text("{}".into()));
            r.headers_mut()
                .insert("content-type", "application/json".parse().unwrap());
            r
        };
        let v1 = serde_json::to_value(FrontDoor::PayloadV1.respond(response())).unwrap();
        assert_eq!(v1["statusCode"], 200);
        assert_eq!(
            v1["multiValueHeaders"]["content-type"],
            json!(["application/json"])
        );
        assert_eq!(v1["body"], "{}");
        let v2 = serde_json::to_value(FrontDoor::PayloadV2.respond(response())).unwrap();
        assert_eq!(v2["headers"]["content-type"], "application/json");
        assert!(v2
            .get("multiValueHeaders")
            .is_none_or(|m| m.as_object().is_some_and(|m| m.is_empty())));
        let alb = serde_json::to_value(FrontDoor::Alb.respond(response())).unwrap();
        assert_eq!(alb["statusDescription"], "200 OK");
        assert_eq!(alb["headers"]["content-type"], "application/json");
        assert_eq!(
            alb["multiValueHeaders"]["content-type"],
            json!(["application/json"])
        );
        for door in [FrontDoor::LatticeV1, FrontDoor::LatticeV2] {
            let mut r = response();
            r.headers_mut().append("vary", "a".parse().unwrap());
            r.headers_mut().append("vary", "b".parse().unwrap());
            let lattice = serde_json::to_value(door.respond(r)).unwrap();
            assert_eq!(
                lattice,
                json!({
                    "statusCode": 200, "statusDescription": "200 OK", "body": "{}",
                    "headers": {"content-type": "application/json", "vary": "a, b"},
                    "isBase64Encoded": false
                })
            );
        }
    }
}
