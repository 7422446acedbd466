//! The `credentials-exchange` (v2) `event`, as `@auth0/actions` types it
//! (`src/credentials-exchange/v2`): a machine-to-machine token request. No `user`.

use crate::event::common::{Client, CustomDomain, Organization, Request, ResourceServer, Strings, Tenant};
use crate::event::{Any, event, view};

event! {
    /// The `event` of `onExecuteCredentialsExchange`.
    {
        access_token = "accessToken": AccessToken<'e>,
        client: Client<'e>,
        resource_server: ResourceServer<'e>,
        tenant: Tenant<'e>,
        transaction: Transaction<'e>,
        request: Request<'e>,
        organization: Organization<'e>,
        custom_domain: CustomDomain<'e>,
    }
}

view! {
    /// `event.accessToken`: the token being issued.
    AccessToken {
        custom_claims = "customClaims": Any<'e>,
        scope: Strings<'e>,
    }
}

view! {
    /// `event.transaction`.
    Transaction {
        requested_scopes: Strings<'e>,
        correlation_id: &'e str,
        /// Early Access.
        target_scopes: Strings<'e>,
    }
}
