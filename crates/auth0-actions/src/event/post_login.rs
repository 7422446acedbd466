//! The `post-login` (v3) `event`, as `@auth0/actions` types it (`src/post-login/v3`).

use crate::event::common::{
    Client, Connection, CustomDomain, Organization, Request, ResourceServer, RiskAssessment, SecurityContext, Strings,
    Tenant,
};
use crate::event::{Any, List, Metadata, event, view};

event! {
    /// The `event` of `onExecutePostLogin` and `onContinuePostLogin`.
    {
        user: User<'e>,
        /// Present only when the login is in an organization's context.
        organization: Organization<'e>,
        stats: Stats<'e>,
        authentication: Authentication<'e>,
        authorization: Authorization<'e>,
        client: Client<'e>,
        connection: Connection<'e>,
        request: Request<'e>,
        tenant: Tenant<'e>,
        transaction: Transaction<'e>,
        resource_server: ResourceServer<'e>,
        session: Session<'e>,
        refresh_token: RefreshToken<'e>,
        /// After a Form (`api.prompt.render`), on `onContinuePostLogin`: its id, fields and vars.
        prompt: Prompt<'e>,
        custom_domain: CustomDomain<'e>,
        security_context: SecurityContext<'e>,
    }
}

view! {
    /// `event.user`.
    User {
        user_id: &'e str,
        email: &'e str,
        email_verified: bool,
        username: &'e str,
        name: &'e str,
        nickname: &'e str,
        given_name: &'e str,
        family_name: &'e str,
        picture: &'e str,
        phone_number: &'e str,
        phone_verified: bool,
        created_at: &'e str,
        updated_at: &'e str,
        last_password_reset: &'e str,
        /// Any JSON the application stores; only its declared keys cross.
        app_metadata: Metadata<'e>,
        user_metadata: Metadata<'e>,
        identities: List<'e, Identity<'e>>,
        /// The MFA providers the user has enrolled (`guardian`, ...).
        multifactor: Strings<'e>,
        enrolled_factors = "enrolledFactors": List<'e, EnrolledFactor<'e>>,
    }
}

view! {
    /// One of `event.user.identities`.
    Identity {
        connection: &'e str,
        provider: &'e str,
        user_id: &'e str,
        is_social = "isSocial": bool,
        profile_data = "profileData": Metadata<'e>,
    }
}

view! {
    /// One of `event.user.enrolledFactors`.
    EnrolledFactor {
        /// `otp`, `phone`, `push-notification`, `webauthn-roaming`, …
        kind = "type": &'e str,
        options: Any<'e>,
    }
}

view! {
    /// `event.stats`.
    Stats {
        /// 1 on the user's first login.
        logins_count: f64,
    }
}

view! {
    /// `event.authentication`: how the user authenticated in this transaction.
    Authentication {
        methods: List<'e, AuthenticationMethod<'e>>,
        risk_assessment = "riskAssessment": RiskAssessment<'e>,
    }
}

view! {
    /// One of `event.authentication.methods`: `{name, timestamp}`, `name` being `pwd`,
    /// `federated`, `mfa`, `passkey`, `sms`, `email`, … or a URL `recordMethod` added.
    AuthenticationMethod {
        name: &'e str,
        timestamp: &'e str,
        /// For `mfa`: the factor's type.
        kind = "type": &'e str,
    }
}

view! {
    /// `event.authorization`.
    Authorization {
        /// The names of the user's roles.
        roles: Strings<'e>,
    }
}

view! {
    /// `event.transaction`.
    Transaction {
        id: &'e str,
        /// `oidc-basic-profile`, `oauth2-refresh-token`, `oauth2-password`, `samlp`, …
        protocol: &'e str,
        locale: &'e str,
        redirect_uri: &'e str,
        requested_scopes: Strings<'e>,
        acr_values: Strings<'e>,
        ui_locales: Strings<'e>,
        response_mode: &'e str,
        response_type: Strings<'e>,
        state: &'e str,
        login_hint: &'e str,
        prompt: Strings<'e>,
        correlation_id: &'e str,
        /// What `api.transaction.setMetadata` stored earlier in this flow.
        metadata: Metadata<'e>,
    }
}

view! {
    /// `event.session`.
    Session {
        id: &'e str,
        created_at: &'e str,
        updated_at: &'e str,
        authenticated_at: &'e str,
        last_interacted_at: &'e str,
        expires_at: &'e str,
        idle_expires_at: &'e str,
        device: Any<'e>,
        clients: Any<'e>,
        metadata: Metadata<'e>,
    }
}

view! {
    /// `event.refresh_token`: present in a refresh-token exchange.
    RefreshToken {
        id: &'e str,
        client_id: &'e str,
        created_at: &'e str,
        expires_at: &'e str,
        idle_expires_at: &'e str,
        session_id: &'e str,
        resource_servers: Any<'e>,
        metadata: Metadata<'e>,
    }
}

view! {
    /// `event.prompt`: the result of a Form, on `onContinuePostLogin`.
    Prompt {
        id: &'e str,
        fields: Metadata<'e>,
        vars: Metadata<'e>,
    }
}
