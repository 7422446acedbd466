//! Lists kept in a secret, "separated by commas": split on `,`, each entry trimmed, empty
//! entries ignored.

/// The entries of `text`, in order.
pub fn comma_separated(text: &str) -> Vec<&str> {
    text.split(',').map(str::trim).filter(|entry| !entry.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_trimmed_and_empty_ones_ignored() {
        assert_eq!(comma_separated(" admin, ,billing-admin ,,"), ["admin", "billing-admin"]);
        assert!(comma_separated(" , ").is_empty());
    }
}
