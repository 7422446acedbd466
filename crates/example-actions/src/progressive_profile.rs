//! Progressive_Profile (post-login, a redirect): sends a returning user without a company
//! to a form (the secret `PROFILE_URL`) with a signed token (the secret `PROFILE_SECRET`),
//! and stores the company they give when they come back.
//!
//! `onExecutePostLogin`: a `user.user_metadata.company` that is a string of at least one
//! character means nothing to do. Otherwise, from the third login on (`stats.logins_count`
//! a number ≥ 3), in an interactive login (`transaction.protocol` neither
//! `oauth2-refresh-token` nor `oauth2-password`, `request.query.prompt` not `none`):
//! `token = api.redirect.encodeToken({secret, expiresInSeconds: 600, payload: {email}})`
//! (`payload` is `{}` without a string `user.email`), then
//! `api.redirect.sendUserTo(PROFILE_URL, {query: {session_token: token}})`.
//!
//! `onContinuePostLogin`: `api.redirect.validateToken({secret, tokenParameterName:
//! "session_token"})`; if it throws, the login is denied ("Profile could not be verified");
//! a `company` in its payload that is a string of 1 to 100 characters once trimmed (as
//! JavaScript's `trim`, counted in code points) is stored with
//! `api.user.setUserMetadata("company", trimmed)`; anything else denies the login
//! ("Company is required").

use auth0_actions::post_login::{Api, EncodeToken, Event, ValidateToken};
use auth0_actions::{Decision, PostLogin, Secret, Timestamp, Value};

use crate::list::js_trim;

pub const ACTION: PostLogin = PostLogin {
    event_paths: &[
        "user.user_metadata.company",
        "user.email",
        "stats.logins_count",
        "transaction.protocol",
        "request.query.prompt",
    ],
    secrets: &[
        Secret::required("PROFILE_URL", "the https URL of the profile form the user is sent to"),
        Secret::required("PROFILE_SECRET", "the key the token to and from the form is signed with (HS256)"),
    ],
    management_api: None,
    on_execute,
    on_continue: Some(on_continue),
};

/// The query parameter that carries the token, both ways.
const TOKEN_PARAMETER: &str = "session_token";
const TOKEN_SECONDS: u64 = 600;
/// The first login that is asked for the company.
const FROM_LOGIN: f64 = 3.0;
const MAX_COMPANY_CHARS: usize = 100;

fn on_execute(event: &Event<'_>, api: &mut Api<'_>, _now: Timestamp) -> Decision {
    let user = event.user().present();
    let company = user.and_then(|user| user.user_metadata().present()).and_then(|metadata| metadata.get_str("company").present());
    if company.is_some_and(|company| !company.is_empty()) {
        return Ok(());
    }
    let returning = event.stats().and_then(|stats| stats.logins_count()).present().is_some_and(|count| count >= FROM_LOGIN);
    let protocol = event.transaction().and_then(|transaction| transaction.protocol()).present();
    let interactive_protocol = !matches!(protocol, Some("oauth2-refresh-token" | "oauth2-password"));
    let prompt = event.request().and_then(|request| request.query()).and_then(|query| query.get_str("prompt")).present();
    if !returning || !interactive_protocol || prompt == Some("none") {
        return Ok(());
    }
    let secrets = event.secrets();
    let (Some(url), Some(secret)) = (secrets.get("PROFILE_URL").filter(|s| !s.is_empty()), secrets.get("PROFILE_SECRET").filter(|s| !s.is_empty()))
    else {
        api.log("secrets PROFILE_URL and PROFILE_SECRET: expected both, found one missing or empty; the user is not asked for a company");
        return Ok(());
    };
    let payload = match user.and_then(|user| user.email().present()) {
        Some(email) => Value::object([("email", Value::from(email))]),
        None => Value::object::<&str>([]),
    };
    let token = api.redirect().encode_token(&EncodeToken { secret, payload, expires_in_seconds: Some(TOKEN_SECONDS) })?;
    api.redirect().send_user_to(url, &[(TOKEN_PARAMETER, &token)]);
    Ok(())
}

fn on_continue(event: &Event<'_>, api: &mut Api<'_>, _now: Timestamp) -> Decision {
    let Some(secret) = event.secrets().get("PROFILE_SECRET").filter(|s| !s.is_empty()) else {
        api.log("secret PROFILE_SECRET: expected the token's key, found none; the profile cannot be verified");
        api.access().deny("Profile could not be verified");
        return Ok(());
    };
    let validated = api.redirect().validate_token(&ValidateToken { secret, token_parameter_name: Some(TOKEN_PARAMETER) })?;
    let Ok(payload) = validated else {
        api.access().deny("Profile could not be verified");
        return Ok(());
    };
    let company = payload.get("company").and_then(Value::as_str).map(js_trim);
    match company {
        Some(company) if (1..=MAX_COMPANY_CHARS).contains(&company.chars().count()) => {
            api.user().set_user_metadata("company", company);
        }
        _ => api.access().deny("Company is required"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn login(company: Value, count: Value) -> Value {
        json!({
            "user": {"email": "amelie@acme.test", "user_metadata": {"company": company}},
            "stats": {"logins_count": count},
            "transaction": {"protocol": "oidc-basic-profile"},
            "request": {"query": {"prompt": "login"}},
            "secrets": {"PROFILE_URL": "https://profile.example/form", "PROFILE_SECRET": "s3cret-key"}
        })
    }

    #[test]
    fn a_third_login_without_a_company_asks_for_a_token_then_redirects() {
        let first = crate::run("Progressive_Profile", 1, &login(Value::Null, json!(3)), "");
        assert_eq!(first["pending"], 0);
        let encode = json!({"api": "redirect.encodeToken", "args": [{"secret": "s3cret-key", "expiresInSeconds": 600, "payload": {"email": "amelie@acme.test"}}]});
        assert_eq!(first["effects"], json!([encode]));
        let done = crate::run("Progressive_Profile", 1, &login(Value::Null, json!(3)), r#"[{"effect": 0, "returns": "tok.en"}]"#);
        assert_eq!(done["pending"], Value::Null);
        assert_eq!(
            done["effects"],
            json!([encode, {"api": "redirect.sendUserTo", "args": ["https://profile.example/form", {"query": {"session_token": "tok.en"}}]}])
        );
    }

    #[test]
    fn a_company_or_an_early_login_or_a_silent_one_means_no_call() {
        for event in [login(json!(" "), json!(3)), login(Value::Null, json!(2)), login(Value::Null, json!("3"))] {
            assert_eq!(crate::run("Progressive_Profile", 1, &event, "")["effects"], json!([]), "{event}");
        }
        let mut silent = login(json!(""), json!(9));
        silent["request"]["query"]["prompt"] = json!("none");
        assert_eq!(crate::run("Progressive_Profile", 1, &silent, "")["effects"], json!([]));
    }

    #[test]
    fn the_continuation_stores_the_trimmed_company_or_denies() {
        let event = json!({"secrets": {"PROFILE_SECRET": "k"}});
        let validate = json!({"api": "redirect.validateToken", "args": [{"secret": "k", "tokenParameterName": "session_token"}]});
        let run = |answer: &str| crate::run("Progressive_Profile", 2, &event, answer)["effects"].clone();
        assert_eq!(
            run(r#"[{"effect": 0, "returns": {"company": "\u3000 Acme \ufeff"}}]"#),
            json!([validate, {"api": "user.setUserMetadata", "args": ["company", "Acme"]}])
        );
        assert_eq!(run(r#"[{"effect": 0, "throws": "expired"}]"#), json!([validate, {"api": "access.deny", "args": ["Profile could not be verified"]}]));
        let too_long = format!(r#"[{{"effect": 0, "returns": {{"company": "{}"}}}}]"#, "é".repeat(101));
        assert_eq!(run(&too_long), json!([validate, {"api": "access.deny", "args": ["Company is required"]}]));
        assert_eq!(run(r#"[{"effect": 0, "returns": {"company": 7}}]"#)[1]["args"][0], "Company is required");
    }

}
