//! The error document.
//!
//! Route 53 sends every error, `InvalidChangeBatch` included, as the standard REST-XML
//! envelope:
//!
//! ```xml
//! <ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
//!   <Error><Type>Sender</Type><Code>InvalidInput</Code><Message>…</Message></Error>
//!   <RequestId>…</RequestId>
//! </ErrorResponse>
//! ```
//!
//! botocore's rest-xml error parser reads `Error/Code` and `Error/Message` into
//! `e.response['Error']` and `RequestId` into `ResponseMetadata`; the code picks the modeled
//! exception class (`client.exceptions.InvalidChangeBatch`, …). For `InvalidChangeBatch` with
//! several problems Route 53 puts them all in one message, as a bracketed, comma-separated
//! list: see [`ErrorResponse::invalid_change_batch`].
//!
//! The older `<InvalidChangeBatch><Messages><Message>…` document
//! ([`LegacyInvalidChangeBatch`]) is kept only so that it can be read: botocore parses it with
//! an **empty** error code, so it must not be sent.

use serde::{Deserialize, Serialize};

xml_list!(messages, "Message", String);

/// The error envelope (`ErrorResponse`), the body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ErrorResponse", deny_unknown_fields)]
pub struct ErrorResponse {
    /// The error.
    #[serde(rename = "Error")]
    pub error: ErrorDetail,
    /// The request ID (also sent as the `x-amzn-RequestId` header).
    #[serde(rename = "RequestId")]
    pub request_id: String,
}

/// The error itself (`Error` inside [`ErrorResponse`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Error", deny_unknown_fields)]
pub struct ErrorDetail {
    /// `Sender` for client errors (4xx), `Receiver` for server errors (5xx).
    #[serde(rename = "Type")]
    pub r#type: String,
    /// The error code, e.g. `NoSuchHostedZone`; botocore's `e.response['Error']['Code']`.
    #[serde(rename = "Code")]
    pub code: String,
    /// The human-readable message.
    #[serde(rename = "Message")]
    pub message: String,
}

impl ErrorResponse {
    /// An error of the given type (`Sender` or `Receiver`), code and message.
    pub fn new(
        r#type: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
        request_id: impl Into<String>,
    ) -> Self {
        ErrorResponse {
            error: ErrorDetail {
                r#type: r#type.into(),
                code: code.into(),
                message: message.into(),
            },
            request_id: request_id.into(),
        }
    }

    /// A client error (`Type` `Sender`), for 4xx responses.
    pub fn sender(
        code: impl Into<String>,
        message: impl Into<String>,
        request_id: impl Into<String>,
    ) -> Self {
        Self::new("Sender", code, message, request_id)
    }

    /// A server error (`Type` `Receiver`), for 5xx responses.
    pub fn receiver(
        code: impl Into<String>,
        message: impl Into<String>,
        request_id: impl Into<String>,
    ) -> Self {
        Self::new("Receiver", code, message, request_id)
    }

    /// An `InvalidChangeBatch` error as Route 53 sends it: every problem of the batch in one
    /// message, as `[first problem, second problem]`.
    pub fn invalid_change_batch<S: AsRef<str>>(
        problems: &[S],
        request_id: impl Into<String>,
    ) -> Self {
        let joined: Vec<&str> = problems.iter().map(AsRef::as_ref).collect();
        Self::sender("InvalidChangeBatch", format!("[{}]", joined.join(", ")), request_id)
    }
}

/// The old `InvalidChangeBatch` error document (`<InvalidChangeBatch><Messages><Message>…`),
/// for reading only: botocore gives it an empty error code. Send
/// [`ErrorResponse::invalid_change_batch`] instead.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "InvalidChangeBatch", deny_unknown_fields)]
pub struct LegacyInvalidChangeBatch {
    /// One message per problem.
    #[serde(rename = "Messages", with = "messages")]
    pub messages: Vec<String>,
    /// The request ID.
    #[serde(rename = "RequestId", default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}
