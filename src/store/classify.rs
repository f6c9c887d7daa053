//! Sorting the AWS SDK's errors into [`Cause`]s: by the error's kind and DynamoDB's error
//! code, and by type down the source chain (never by matching error text). The SDK error
//! itself stays attached as the [`StoreError`]'s `source()`.

use std::error::Error;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use super::{in_chain, Cause, StoreError};

/// Sorts an SDK error into a [`StoreError`].
pub fn classify<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let cause = cause(&err);
    StoreError::with_source(cause, err)
}

fn cause<E: ProvideErrorMetadata + Error + 'static, R: std::fmt::Debug>(
    err: &SdkError<E, R>,
) -> Cause {
    match err {
        SdkError::TimeoutError(_) => Cause::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => Cause::ConnectTimeout,
        SdkError::DispatchFailure(d) if d.is_io() => Cause::ConnectionFailed,
        SdkError::DispatchFailure(d)
            if d.as_connector_error()
                .is_some_and(|e| in_chain::<CredentialsError>(e).is_some()) =>
        {
            Cause::NoCredentials
        }
        SdkError::DispatchFailure(_) => Cause::DispatchFailure,
        SdkError::ResponseError(_) => Cause::UnreadableResponse,
        SdkError::ConstructionFailure(_) => Cause::EndpointUnresolved,
        _ => match err.code() {
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "TransactionConflictException",
            ) => Cause::Throttled,
            Some("ResourceNotFoundException") => Cause::TableNotFound,
            Some("AccessDeniedException") => Cause::AccessDenied,
            Some(
                "UnrecognizedClientException"
                | "InvalidSignatureException"
                | "MissingAuthenticationTokenException"
                | "ExpiredTokenException",
            ) => Cause::CredentialsRejected,
            Some("ValidationException") => Cause::RequestRejected,
            // The SDK reports a body it could not parse as an unhandled service error.
            None if err.raw_response().is_some() && err.message().is_none() => {
                Cause::UnreadableResponse
            }
            _ => Cause::ServerError,
        },
    }
}

/// Every branch of [`cause`], fed SDK errors built by hand: no socket, no server.
#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::config::http::HttpResponse;
    use aws_sdk_dynamodb::error::{ConnectorError, ErrorMetadata};
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_sdk_dynamodb::types::error::ResourceNotFoundException;
    use aws_smithy_runtime_api::client::retries::ErrorKind;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    type Err = SdkError<GetItemError, HttpResponse>;

    fn raw(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from("{}"))
    }

    fn io_error() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset")
    }

    /// A service error with DynamoDB's error `code`, as the SDK builds an unmodelled one.
    fn coded(code: &str) -> Err {
        let meta = ErrorMetadata::builder().code(code).message("m").build();
        SdkError::service_error(GetItemError::generic(meta), raw(400))
    }

    fn check(err: Err, expected: Cause) {
        let label = format!("{err:?}");
        let store_error = classify(err);
        assert_eq!(store_error.cause(), expected, "{label}");
        assert!(
            store_error.source().is_some(),
            "the SDK error stays attached: {label}"
        );
    }

    #[test]
    fn transport_failures() {
        check(SdkError::timeout_error(io_error()), Cause::Timeout);
        check(
            SdkError::dispatch_failure(ConnectorError::timeout(io_error().into())),
            Cause::ConnectTimeout,
        );
        check(
            SdkError::dispatch_failure(ConnectorError::io(io_error().into())),
            Cause::ConnectionFailed,
        );
        check(
            SdkError::dispatch_failure(ConnectorError::other(io_error().into(), None)),
            Cause::DispatchFailure,
        );
        check(
            SdkError::dispatch_failure(ConnectorError::other(
                io_error().into(),
                Some(ErrorKind::TransientError),
            )),
            Cause::DispatchFailure,
        );
        check(
            SdkError::dispatch_failure(ConnectorError::user("bad URI".into())),
            Cause::DispatchFailure,
        );
        check(
            SdkError::construction_failure("no endpoint"),
            Cause::EndpointUnresolved,
        );
        check(
            SdkError::response_error("truncated body", raw(200)),
            Cause::UnreadableResponse,
        );
    }

    #[test]
    fn missing_credentials_found_by_type_anywhere_in_the_chain() {
        let direct = CredentialsError::not_loaded("no provider");
        check(
            SdkError::dispatch_failure(ConnectorError::other(direct.into(), None)),
            Cause::NoCredentials,
        );

        /// An error that wraps another, as the SDK's identity resolution does.
        #[derive(Debug)]
        struct Wrapper(CredentialsError);
        impl std::fmt::Display for Wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("failed to load identity")
            }
        }
        impl Error for Wrapper {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped = Wrapper(CredentialsError::provider_timed_out(
            std::time::Duration::from_secs(1),
        ));
        check(
            SdkError::dispatch_failure(ConnectorError::other(wrapped.into(), None)),
            Cause::NoCredentials,
        );
    }

    #[test]
    fn dynamodb_error_codes() {
        let table = [
            ("ProvisionedThroughputExceededException", Cause::Throttled),
            ("ThrottlingException", Cause::Throttled),
            ("RequestLimitExceeded", Cause::Throttled),
            ("TransactionConflictException", Cause::Throttled),
            ("ResourceNotFoundException", Cause::TableNotFound),
            ("AccessDeniedException", Cause::AccessDenied),
            ("UnrecognizedClientException", Cause::CredentialsRejected),
            ("InvalidSignatureException", Cause::CredentialsRejected),
            (
                "MissingAuthenticationTokenException",
                Cause::CredentialsRejected,
            ),
            ("ExpiredTokenException", Cause::CredentialsRejected),
            ("ValidationException", Cause::RequestRejected),
            ("InternalServerError", Cause::ServerError),
            ("ServiceUnavailable", Cause::ServerError),
            ("SomethingNewException", Cause::ServerError),
        ];
        for (code, expected) in table {
            check(coded(code), expected);
        }
    }

    #[test]
    fn a_modelled_error_is_sorted_by_its_code_too() {
        let modelled = ResourceNotFoundException::builder()
            .message("Requested resource not found")
            .meta(
                ErrorMetadata::builder()
                    .code("ResourceNotFoundException")
                    .build(),
            )
            .build();
        check(
            SdkError::service_error(GetItemError::ResourceNotFoundException(modelled), raw(400)),
            Cause::TableNotFound,
        );
    }

    #[test]
    fn an_error_with_neither_code_nor_message() {
        // What the SDK makes of a body it cannot parse as an error: unreadable.
        let unparsed = GetItemError::generic(ErrorMetadata::builder().build());
        check(
            SdkError::service_error(unparsed, raw(500)),
            Cause::UnreadableResponse,
        );
        // With a message but no code, DynamoDB did say something: a server error.
        let said = GetItemError::generic(ErrorMetadata::builder().message("oops").build());
        check(SdkError::service_error(said, raw(500)), Cause::ServerError);
    }
}
