//! Sorting the AWS SDK's errors into [`Cause`]s: by the error's kind and DynamoDB's error
//! code, and by type down the source chain (never by matching error text). The SDK error
//! itself stays attached as the [`StoreError`]'s `source()`.

use std::error::Error;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use super::{Cause, StoreError};

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
            if chain_has::<CredentialsError>(d.as_connector_error().map(|e| e as _)) =>
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

/// Whether `T` is anywhere in the chain starting at `error`.
fn chain_has<T: Error + 'static>(error: Option<&(dyn Error + 'static)>) -> bool {
    let mut next = error;
    while let Some(e) = next {
        if e.is::<T>() {
            return true;
        }
        next = e.source();
    }
    false
}
