//! The `pre-user-registration` (v2) `event`, as `@auth0/actions` types it
//! (`src/pre-user-registration/v2`): a user about to be created in a database or
//! passwordless connection. The user has no `user_id` yet; there is no `stats` and no
//! `organization`.

use crate::event::common::{Client, Connection, CustomDomain, Request, RiskAssessment, SecurityContext, Strings, Tenant};
use crate::event::{Metadata, event, view};

event! {
    /// The `event` of `onExecutePreUserRegistration`.
    {
        user: User<'e>,
        connection: Connection<'e>,
        client: Client<'e>,
        tenant: Tenant<'e>,
        request: Request<'e>,
        transaction: Transaction<'e>,
        authentication: Authentication<'e>,
        security_context: SecurityContext<'e>,
        custom_domain: CustomDomain<'e>,
    }
}

view! {
    /// `event.user`: what the signup gave.
    User {
        email: &'e str,
        username: &'e str,
        phone_number: &'e str,
        name: &'e str,
        given_name: &'e str,
        family_name: &'e str,
        nickname: &'e str,
        picture: &'e str,
        app_metadata: Metadata<'e>,
        user_metadata: Metadata<'e>,
    }
}

view! {
    /// `event.transaction`.
    Transaction {
        acr_values: Strings<'e>,
        locale: &'e str,
        ui_locales: Strings<'e>,
        requested_scopes: Strings<'e>,
        protocol: &'e str,
        redirect_uri: &'e str,
        response_mode: &'e str,
        response_type: Strings<'e>,
        state: &'e str,
        login_hint: &'e str,
        prompt: Strings<'e>,
        correlation_id: &'e str,
    }
}

view! {
    /// `event.authentication`.
    Authentication {
        risk_assessment = "riskAssessment": RiskAssessment<'e>,
    }
}
