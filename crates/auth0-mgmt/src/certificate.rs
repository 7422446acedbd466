//! SAML signing certificates as Auth0 sees them, checked locally before anything is sent:
//! exactly one X.509 certificate in PEM, no private key beside it, and its SHA-1 thumbprint
//! computed the way Auth0 stores it (lowercase hex of the DER, no colons).
//!
//! Pure: no IO and no clock; "now" is an argument of [`Certificate::validity_at`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::Digest as _;
use serde_json::{Map, Value};
use x509_cert::der::Decode as _;

/// Why a file or a stored value is not one usable certificate. Messages say what was expected
/// and what was found, and never quote the input (it may hold a key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("expected a PEM certificate (-----BEGIN CERTIFICATE-----), found no PEM block")]
    NoPem,
    #[error("expected a PEM certificate, found a PEM block that cannot be read ({0})")]
    BadPem(String),
    #[error(
        "expected only a certificate, found a private key ({label}): never upload an identity provider's key; \
         keep only the CERTIFICATE block"
    )]
    PrivateKey { label: String },
    #[error("expected exactly one certificate, found {count}: keep only the identity provider's signing certificate")]
    Several { count: usize },
    #[error("expected a CERTIFICATE block, found a {label} block")]
    OtherBlock { label: String },
    #[error("expected an X.509 certificate inside the CERTIFICATE block, found DER that does not decode ({0})")]
    NotX509(String),
    #[error("expected the certificate's validity dates after 1970, found one before")]
    OutOfRange,
}

/// Where "now" falls in a certificate's validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    NotYetValid,
    Valid,
    Expired,
}

/// One X.509 certificate and what Auth0 derives from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The certificate in PEM with LF line ends and a final newline (what Auth0 stores as `cert`).
    pub pem: String,
    pub der: Vec<u8>,
    /// The subject as RFC 4514 text, e.g. `CN=idp.example.com,O=Example`.
    pub subject: String,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// Lowercase hex SHA-1 of the DER, as Auth0 lists it in `options.thumbprints`.
    pub sha1: String,
}

impl Certificate {
    /// Reads a PEM file's text: exactly one `CERTIFICATE` block, and no private key anywhere
    /// in it (a key next to the certificate is refused, not ignored).
    pub fn from_pem(text: &str) -> Result<Certificate, CertificateError> {
        let blocks = pem::parse_many(text).map_err(|error| CertificateError::BadPem(error.to_string()))?;
        if let Some(key) = blocks.iter().find(|b| b.tag().contains("PRIVATE KEY")) {
            return Err(CertificateError::PrivateKey { label: key.tag().to_owned() });
        }
        if let Some(other) = blocks.iter().find(|b| b.tag() != "CERTIFICATE") {
            return Err(CertificateError::OtherBlock { label: other.tag().to_owned() });
        }
        match blocks.as_slice() {
            [] => Err(CertificateError::NoPem),
            [one] => Certificate::from_der(one.contents()),
            several => Err(CertificateError::Several { count: several.len() }),
        }
    }

    /// Reads DER bytes.
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertificateError> {
        let parsed = x509_cert::Certificate::from_der(der).map_err(|error| CertificateError::NotX509(error.to_string()))?;
        let validity = &parsed.tbs_certificate.validity;
        let seconds = |time: x509_cert::time::Time| i64::try_from(time.to_unix_duration().as_secs()).map_err(|_| CertificateError::OutOfRange);
        let block = pem::Pem::new("CERTIFICATE", der.to_vec());
        let pem = pem::encode_config(&block, pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF));
        Ok(Certificate {
            pem,
            der: der.to_vec(),
            subject: parsed.tbs_certificate.subject.to_string(),
            not_before: seconds(validity.not_before)?,
            not_after: seconds(validity.not_after)?,
            sha1: hex(&sha1::Sha1::digest(der)),
        })
    }

    /// Reads a connection's stored `signingCert`: base64 of the PEM text as uploaded (what
    /// the Dashboard and the API write), or of the DER.
    pub fn from_signing_cert(value: &str) -> Result<Certificate, CertificateError> {
        let compact: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let bytes = STANDARD.decode(compact).map_err(|error| CertificateError::BadPem(format!("signingCert is not base64: {error}")))?;
        match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains("-----BEGIN") => Certificate::from_pem(text),
            _ => Certificate::from_der(&bytes),
        }
    }

    /// The value to write as `options.signingCert`: base64 of the PEM, BEGIN and END lines
    /// and the final newline included.
    pub fn signing_cert(&self) -> String {
        STANDARD.encode(self.pem.as_bytes())
    }

    pub fn validity_at(&self, now: i64) -> Validity {
        if now < self.not_before {
            Validity::NotYetValid
        } else if now > self.not_after {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// Whole days from `now` until the certificate expires (negative once it has).
    pub fn days_left(&self, now: i64) -> i64 {
        (self.not_after - now).div_euclid(86_400)
    }
}

/// The fields of a SAML connection's `options` that Auth0 derives from `signingCert`: a
/// rotation drops them and Auth0 computes them again.
pub const DERIVED_OPTIONS: [&str; 4] = ["cert", "expires", "subject", "thumbprints"];

/// The options from which Auth0 takes the certificate itself (so a certificate set by hand
/// would not hold), when present and not empty.
pub fn metadata_source(options: &Map<String, Value>) -> Option<&'static str> {
    ["metadataUrl", "metadataXml"]
        .into_iter()
        .find(|key| options.get(*key).is_some_and(|v| !v.is_null() && v.as_str() != Some("")))
}

/// The certificate a connection holds now: from `signingCert`, else the legacy `cert` PEM.
/// `None` when it holds neither.
pub fn current_certificate(options: &Map<String, Value>) -> Option<Result<Certificate, CertificateError>> {
    if let Some(value) = options.get("signingCert").and_then(Value::as_str).filter(|v| !v.is_empty()) {
        return Some(Certificate::from_signing_cert(value));
    }
    options.get("cert").and_then(Value::as_str).filter(|v| !v.is_empty()).map(Certificate::from_pem)
}

/// `options.thumbprints`, normalized.
pub fn listed_thumbprints(options: &Map<String, Value>) -> Vec<String> {
    let list = options.get("thumbprints").and_then(Value::as_array);
    list.map(|list| list.iter().filter_map(Value::as_str).map(normalize_thumbprint).collect()).unwrap_or_default()
}

/// The whole `options` to send for a rotation: every field kept as it is (order included),
/// the derived ones dropped, `signingCert` set.
pub fn rotated_options(options: &Map<String, Value>, new: &Certificate) -> Map<String, Value> {
    let mut next = options.clone();
    for key in DERIVED_OPTIONS {
        next.shift_remove(key);
    }
    next.insert("signingCert".to_owned(), Value::String(new.signing_cert()));
    next
}

/// A thumbprint as people paste it (`4E:66:...`, upper case) in Auth0's form.
pub fn normalize_thumbprint(text: &str) -> String {
    text.chars().filter(char::is_ascii_hexdigit).map(|c| c.to_ascii_lowercase()).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEXT: &str = include_str!("../../../tests/data/saml/idp-next.pem");

    #[test]
    fn one_certificate_and_its_thumbprint() {
        let cert = Certificate::from_pem(NEXT).unwrap();
        // `openssl x509 -noout -fingerprint -sha1` prints A2:CA:4F:04:...:89:5E.
        assert_eq!(cert.sha1, normalize_thumbprint("A2:CA:4F:04:DA:BC:60:E4:75:AB:01:D9:30:56:DA:75:EE:BF:89:5E"));
        assert_eq!(cert.subject, "CN=idp.acme.test 2026,O=Acme Test IdP,C=FR");
        assert_eq!(cert.pem, NEXT);
        assert_eq!(Certificate::from_signing_cert(&cert.signing_cert()).unwrap(), cert);
        assert_eq!(Certificate::from_signing_cert(&STANDARD.encode(&cert.der)).unwrap(), cert);
        let crlf = NEXT.replace('\n', "\r\n");
        assert_eq!(Certificate::from_pem(&crlf).unwrap().sha1, cert.sha1);
    }

    #[test]
    fn refusals() {
        assert_eq!(Certificate::from_pem("hello"), Err(CertificateError::NoPem));
        let key = format!("{NEXT}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assert!(matches!(Certificate::from_pem(&key), Err(CertificateError::PrivateKey { .. })));
        assert!(matches!(Certificate::from_pem(&format!("{NEXT}{NEXT}")), Err(CertificateError::Several { count: 2 })));
        let csr = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
        assert!(matches!(Certificate::from_pem(csr), Err(CertificateError::OtherBlock { .. })));
        let junk = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
        assert!(matches!(Certificate::from_pem(junk), Err(CertificateError::NotX509(_))));
    }

    #[test]
    fn a_rotation_keeps_every_option_but_the_derived_ones() {
        let cert = Certificate::from_pem(NEXT).unwrap();
        let options = serde_json::json!({
            "signInEndpoint": "https://idp/sso", "cert": "old", "signingCert": "b2xk", "expires": "x",
            "signing_key": {"cert": "c", "key": "k"}, "thumbprints": ["ab"], "subject": {}, "debug": false
        });
        let options = options.as_object().unwrap();
        let next = rotated_options(options, &cert);
        assert_eq!(next.keys().collect::<Vec<_>>(), ["signInEndpoint", "signingCert", "signing_key", "debug"]);
        assert_eq!(next["signingCert"], cert.signing_cert());
        assert_eq!(listed_thumbprints(options), ["ab"]);
        assert!(metadata_source(options).is_none());
        let metadata = serde_json::json!({"metadataUrl": "https://idp/metadata", "metadataXml": ""});
        assert_eq!(metadata_source(metadata.as_object().unwrap()), Some("metadataUrl"));
        let signed = serde_json::json!({"signingCert": cert.signing_cert()});
        assert_eq!(current_certificate(signed.as_object().unwrap()).unwrap().unwrap(), cert);
        let legacy = serde_json::json!({"cert": NEXT});
        assert_eq!(current_certificate(legacy.as_object().unwrap()).unwrap().unwrap().sha1, cert.sha1);
        assert!(current_certificate(&Map::new()).is_none());
    }

    #[test]
    fn validity() {
        let cert = Certificate::from_pem(NEXT).unwrap();
        assert_eq!(cert.validity_at(cert.not_before - 1), Validity::NotYetValid);
        assert_eq!(cert.validity_at(cert.not_after), Validity::Valid);
        assert_eq!(cert.validity_at(cert.not_after + 1), Validity::Expired);
        assert_eq!(cert.days_left(cert.not_after - 86_400 * 3 - 5), 3);
        assert_eq!(cert.days_left(cert.not_after + 1), -1);
    }
}
