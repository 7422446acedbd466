//! Block_Disposable_Signup (pre-user-registration): refuses signups from the email domains
//! of the secret `BLOCKED_DOMAINS` (separated by commas, compared in lower case), and their
//! subdomains.
//!
//! The domain of `event.user.email` is what follows its last `@`, lowercased. If it equals a
//! blocked domain or ends with `.` and a blocked domain:
//! `api.access.deny("disposable_email", "Please sign up with a work email address.")`. An
//! email absent, not a string or without `@`, or no `BLOCKED_DOMAINS`: no call.

use auth0_actions::pre_user_registration::{Api, Event};
use auth0_actions::{Decision, PreUserRegistration, Secret, Timestamp};

use crate::list::comma_separated;

pub const ACTION: PreUserRegistration = PreUserRegistration {
    event_paths: &["user.email"],
    secrets: &[Secret::optional("BLOCKED_DOMAINS", "email domains refused at signup, separated by commas; their subdomains too")],
    management_api: None,
    on_execute,
};

fn on_execute(event: &Event<'_>, api: &mut Api<'_>, _now: Timestamp) -> Decision {
    let Some(blocked) = event.secrets().get("BLOCKED_DOMAINS") else {
        return Ok(());
    };
    let Some(email) = event.user().and_then(|user| user.email()).present() else {
        return Ok(());
    };
    let Some((_, domain)) = email.rsplit_once('@') else {
        return Ok(());
    };
    let domain = domain.to_lowercase();
    let refused = comma_separated(blocked).into_iter().map(str::to_lowercase).any(|blocked| {
        domain == blocked || domain.strip_suffix(blocked.as_str()).is_some_and(|head| head.ends_with('.'))
    });
    if refused {
        api.access().deny("disposable_email", "Please sign up with a work email address.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn run(email: Value, blocked: Value) -> Value {
        let event = json!({"user": {"email": email}, "secrets": {"BLOCKED_DOMAINS": blocked}});
        crate::run("Block_Disposable_Signup", 1, &event, "")["effects"].clone()
    }

    fn denied() -> Value {
        json!([{"api": "access.deny", "args": ["disposable_email", "Please sign up with a work email address."]}])
    }

    #[test]
    fn blocked_domains_and_their_subdomains_are_refused() {
        assert_eq!(run(json!("a@Mailinator.COM"), json!(" mailinator.com, ,temp-mail.org")), denied());
        assert_eq!(run(json!("a@x.eu.Temp-Mail.org"), json!("mailinator.com,TEMP-MAIL.org")), denied());
        assert_eq!(run(json!("we@ird@mailinator.com"), json!("mailinator.com")), denied(), "the last @ decides");
    }

    #[test]
    fn other_domains_and_unreadable_emails_pass() {
        assert_eq!(run(json!("a@notmailinator.com"), json!("mailinator.com")), json!([]));
        assert_eq!(run(json!("mailinator.com"), json!("mailinator.com")), json!([]));
        assert_eq!(run(json!(7), json!("mailinator.com")), json!([]));
        assert_eq!(run(json!("a@mailinator.com"), Value::Null), json!([]));
    }
}
