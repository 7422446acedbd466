//! Management API scopes: what a call needs (a [`Required`] constant beside each typed call,
//! as Auth0's Management API spec states it), what Auth0's 403 says it expected, and which of
//! those a token lacks.
//!
//! Auth0 states a requirement as groups: every group is needed, and any one scope of a group
//! satisfies it. `GET /api/v2/clients/{id}/connections` needs `read:connections` and any one of
//! `read:clients` or `read:client_summary`: two groups, `[read:connections]` and
//! `[read:clients, read:client_summary]`.

use std::fmt;

/// What one call needs, as a constant: every group, and any one scope of each group.
///
/// ```
/// use auth0_mgmt::scope::{Required, Scopes};
///
/// const NEEDS: Required = Required::new(&[&["read:connections"], &["read:clients", "read:client_summary"]]);
/// let granted = vec!["read:connections".to_owned()];
/// let missing = Scopes::from(NEEDS).missing_from(Some(&granted));
/// assert_eq!(missing.to_string(), "one of the scopes read:clients or read:client_summary");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Required(&'static [&'static [&'static str]]);

impl Required {
    pub const fn new(groups: &'static [&'static [&'static str]]) -> Required {
        Required(groups)
    }

    /// The groups: every one is needed, any one scope of each.
    pub fn groups(self) -> impl Iterator<Item = &'static [&'static str]> {
        self.0.iter().copied()
    }
}

/// Scopes as groups (every group needed, any one scope of each): what Auth0's answer names,
/// a call's [`Required`], several calls' together, or what a token lacks of them. `Display`
/// says it in a sentence ("the scope create:actions", "one of the scopes read:clients or
/// read:client_summary", "the scopes read:connections and create:sso_access_tickets").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes {
    groups: Vec<Vec<String>>,
}

impl From<Required> for Scopes {
    fn from(required: Required) -> Scopes {
        Scopes::all_of(&[required])
    }
}

impl Scopes {
    /// What several calls need together (a group already there is not repeated).
    pub fn all_of(calls: &[Required]) -> Scopes {
        let mut scopes = Scopes::default();
        for group in calls.iter().flat_map(|required| required.groups()) {
            scopes.push(group.iter().map(|scope| (*scope).to_owned()).collect());
        }
        scopes
    }

    /// The scopes Auth0's error message names as expected: the `word:word` tokens after
    /// "expected", grouped as the message says ("any of: a, b" or "a or b" is one group;
    /// "a and b", or a list without "any of", one group each). Empty when it names none.
    ///
    /// Auth0's forms: `Insufficient scope, expected any of: create:actions`,
    /// `Insufficient scope, expected any of: read:users,read:current_user`, and
    /// `Insufficient scope; expected: read:connections and any of: read:clients or read:client_summary.`
    pub fn from_message(message: &str) -> Scopes {
        const EXPECTED: &str = "expected";
        // ASCII lower-casing keeps byte offsets, so the position holds in `message` too.
        let Some(at) = message.to_ascii_lowercase().find(EXPECTED) else { return Scopes::default() };
        let rest = message.get(at + EXPECTED.len()..).unwrap_or_default();
        let mut scopes = Scopes::default();
        let mut any_of: Option<Vec<String>> = None;
        let mut seen = false;
        let words = rest.split(|c: char| c.is_whitespace() || c == ',').map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_'));
        for word in words.filter(|w| !w.is_empty()) {
            match word.to_ascii_lowercase().as_str() {
                "and" | "all" => scopes.close(&mut any_of),
                "any" => {
                    scopes.close(&mut any_of);
                    any_of = Some(Vec::new());
                }
                "of" | "or" | "one" => {}
                _ if is_scope(word) => {
                    seen = true;
                    match &mut any_of {
                        Some(group) => group.push(word.to_owned()),
                        None => scopes.push(vec![word.to_owned()]),
                    }
                }
                // Prose after the list ends it; prose before it is skipped.
                _ if seen => break,
                _ => {}
            }
        }
        scopes.close(&mut any_of);
        scopes
    }

    /// The groups that `granted` does not satisfy; every group when the grant is unknown.
    pub fn missing_from(&self, granted: Option<&[String]>) -> Scopes {
        let Some(granted) = granted else { return self.clone() };
        let groups = self.groups.iter().filter(|group| !group.iter().any(|scope| granted.contains(scope))).cloned().collect();
        Scopes { groups }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The groups: every one is needed, any one scope of each.
    pub fn groups(&self) -> impl Iterator<Item = &[String]> {
        self.groups.iter().map(Vec::as_slice)
    }

    fn push(&mut self, group: Vec<String>) {
        if !group.is_empty() && !self.groups.contains(&group) {
            self.groups.push(group);
        }
    }

    fn close(&mut self, any_of: &mut Option<Vec<String>>) {
        if let Some(group) = any_of.take() {
            self.push(group);
        }
    }
}

/// `read:connections`, `create:sso_access_tickets`: two non-empty parts of letters, digits
/// and underscores around one colon.
fn is_scope(word: &str) -> bool {
    let part = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    word.split_once(':').is_some_and(|(action, resource)| part(action) && part(resource))
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = |group: &[String], lead: &str| match group {
            [one] => one.clone(),
            several => format!("{lead}{}", several.join(" or ")),
        };
        match self.groups.as_slice() {
            [] => f.write_str("no scope"),
            [only] => match only.as_slice() {
                [one] => write!(f, "the scope {one}"),
                several => f.write_str(&group(several, "one of the scopes ")),
            },
            groups => {
                let parts: Vec<String> = groups.iter().map(|g| group(g, "one of ")).collect();
                write!(f, "the scopes {}", parts.join(" and "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(scopes: &Scopes) -> Vec<Vec<&str>> {
        scopes.groups().map(|g| g.iter().map(String::as_str).collect()).collect()
    }

    #[test]
    fn auth0s_message_forms() {
        let one = Scopes::from_message("Insufficient scope, expected any of: create:actions");
        assert_eq!(groups(&one), [["create:actions"]]);
        let commas = Scopes::from_message("Insufficient scope, expected any of: read:users,read:current_user,read:user_idp_tokens");
        assert_eq!(groups(&commas), [["read:users", "read:current_user", "read:user_idp_tokens"]]);
        let spaced = Scopes::from_message("Insufficient scope, expected any of: read:clients, read:client_summary");
        assert_eq!(groups(&spaced), [["read:clients", "read:client_summary"]]);
        let mixed = Scopes::from_message(
            "Insufficient scope; expected: read:connections and any of: read:clients or read:client_summary.",
        );
        assert_eq!(groups(&mixed), vec![vec!["read:connections"], vec!["read:clients", "read:client_summary"]]);
        let all = Scopes::from_message("Insufficient scope, expected all of: read:connections, update:connections");
        assert_eq!(groups(&all), [["read:connections"], ["update:connections"]]);
    }

    #[test]
    fn messages_that_name_no_scope() {
        for message in ["Forbidden", "Insufficient scope", "expected: nothing here", "", "read:users expected", "ünïcode expected"] {
            assert!(Scopes::from_message(message).is_empty(), "{message}");
        }
        // Only what follows "expected" counts, and prose after the list ends it.
        let scopes = Scopes::from_message("Token read:users is Insufficient scope, EXPECTED any of: create:actions. See read:docs");
        assert_eq!(groups(&scopes), [["create:actions"]]);
    }

    #[test]
    fn missing_drops_the_groups_the_token_satisfies() {
        let needs = Scopes::from_message("Insufficient scope; expected: read:connections and any of: read:clients or read:client_summary.");
        let granted = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let missing = needs.missing_from(Some(&granted(&["read:connections", "create:sso_access_tickets"])));
        assert_eq!(missing.to_string(), "one of the scopes read:clients or read:client_summary");
        let missing = needs.missing_from(Some(&granted(&["read:client_summary"])));
        assert_eq!(missing.to_string(), "the scope read:connections");
        assert!(needs.missing_from(Some(&granted(&["read:connections", "read:clients"]))).is_empty());
        let unknown = needs.missing_from(None);
        assert_eq!(unknown.to_string(), "the scopes read:connections and one of read:clients or read:client_summary");
    }

    #[test]
    fn requirements_combine_without_repeats() {
        const A: Required = Required::new(&[&["read:self_service_profiles"]]);
        const B: Required = Required::new(&[&["read:self_service_profiles"], &["create:sso_access_tickets"]]);
        let both = Scopes::all_of(&[A, B]);
        assert_eq!(both.to_string(), "the scopes read:self_service_profiles and create:sso_access_tickets");
        assert_eq!(Scopes::from(A).to_string(), "the scope read:self_service_profiles");
    }
}
