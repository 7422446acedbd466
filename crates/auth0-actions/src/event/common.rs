//! Parts of the event that several triggers share, named as Auth0 names them.

use crate::event::{Any, List, Metadata, view};

view! {
    /// `event.client`: the application the user logs in to (or that asks for a token).
    Client {
        client_id: &'e str,
        name: &'e str,
        /// String values set on the application.
        metadata: Metadata<'e>,
    }
}

view! {
    /// `event.connection`.
    Connection {
        id: &'e str,
        name: &'e str,
        /// `auth0`, `google-oauth2`, `samlp`, `oidc`, `okta`, `waad`, `sms`, `email`, …
        strategy: &'e str,
        metadata: Metadata<'e>,
    }
}

view! {
    /// `event.tenant`.
    Tenant {
        id: &'e str,
    }
}

view! {
    /// `event.organization`: present only when the login is in an organization's context.
    Organization {
        id: &'e str,
        name: &'e str,
        display_name: &'e str,
        /// String values, as Auth0 documents them.
        metadata: Metadata<'e>,
    }
}

view! {
    /// `event.resource_server`: the API the token is for.
    ResourceServer {
        identifier: &'e str,
    }
}

view! {
    /// `event.custom_domain`.
    CustomDomain {
        domain: &'e str,
        domain_metadata: Metadata<'e>,
    }
}

view! {
    /// `event.security_context`.
    SecurityContext {
        ja3: &'e str,
        ja4: &'e str,
    }
}

view! {
    /// `event.request`: the HTTP request that started the transaction.
    Request {
        ip: &'e str,
        method: &'e str,
        hostname: &'e str,
        language: &'e str,
        user_agent: &'e str,
        asn: &'e str,
        geoip: GeoIp<'e>,
        /// The query string, parsed (post-login; on `onContinuePostLogin`, the query of the
        /// `/continue` request).
        query: Metadata<'e>,
        /// The body of a POST (form fields).
        body: Metadata<'e>,
    }
}

view! {
    /// `event.request.geoip`.
    GeoIp {
        city_name = "cityName": &'e str,
        continent_code = "continentCode": &'e str,
        country_code = "countryCode": &'e str,
        country_code3 = "countryCode3": &'e str,
        country_name = "countryName": &'e str,
        latitude: f64,
        longitude: f64,
        subdivision_code = "subdivisionCode": &'e str,
        subdivision_name = "subdivisionName": &'e str,
        time_zone = "timeZone": &'e str,
    }
}

view! {
    /// `event.authentication.riskAssessment` (and its `supplemental` in pre-user-registration).
    RiskAssessment {
        confidence: &'e str,
        version: &'e str,
        assessments: Any<'e>,
        supplemental: Any<'e>,
    }
}

/// A list of strings, as `authorization.roles` or `transaction.requested_scopes` hold them.
pub type Strings<'e> = List<'e, &'e str>;
