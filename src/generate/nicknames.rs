//! The generator's nickname table: formal given names and the short forms
//! agencies record instead of them. The resolver keeps its own table
//! (`resolve::nicknames`) on purpose, so its matching is never fitted to the
//! variants this generator happens to produce.

/// Formal given name and the nicknames people go by, all title case.
#[rustfmt::skip]
const NICKNAMES: &[(&str, &[&str])] = &[
    ("Robert", &["Bob", "Bobby", "Rob", "Robbie"]),
    ("William", &["Bill", "Billy", "Will", "Willie"]),
    ("Elizabeth", &["Liz", "Beth", "Betty", "Eliza"]),
    ("James", &["Jim", "Jimmy", "Jamie"]),
    ("John", &["Jack", "Johnny"]),
    ("Joseph", &["Joe", "Joey"]),
    ("Michael", &["Mike", "Mikey"]),
    ("Richard", &["Rick", "Rich", "Richie", "Dick"]),
    ("Thomas", &["Tom", "Tommy"]),
    ("Charles", &["Charlie", "Chuck"]),
    ("Christopher", &["Chris"]),
    ("Daniel", &["Dan", "Danny"]),
    ("Anthony", &["Tony"]),
    ("Edward", &["Ed", "Eddie", "Ted"]),
    ("Matthew", &["Matt"]),
    ("Nicholas", &["Nick"]),
    ("Steven", &["Steve"]),
    ("Stephen", &["Steve"]),
    ("Joshua", &["Josh"]),
    ("Jonathan", &["Jon"]),
    ("Benjamin", &["Ben"]),
    ("Samuel", &["Sam"]),
    ("Alexander", &["Alex"]),
    ("Andrew", &["Andy", "Drew"]),
    ("Patrick", &["Pat"]),
    ("Timothy", &["Tim"]),
    ("Kenneth", &["Ken", "Kenny"]),
    ("Ronald", &["Ron", "Ronnie"]),
    ("Donald", &["Don", "Donnie"]),
    ("Gerald", &["Jerry"]),
    ("Lawrence", &["Larry"]),
    ("Raymond", &["Ray"]),
    ("Gregory", &["Greg"]),
    ("Jeffrey", &["Jeff"]),
    ("Peter", &["Pete"]),
    ("Douglas", &["Doug"]),
    ("Albert", &["Al"]),
    ("Henry", &["Hank", "Harry"]),
    ("Walter", &["Walt"]),
    ("Zachary", &["Zach"]),
    ("Jacob", &["Jake"]),
    ("Vincent", &["Vince", "Vinny"]),
    ("Salvatore", &["Sal"]),
    ("Dominic", &["Dom"]),
    ("Francisco", &["Frank", "Paco"]),
    ("Jose", &["Pepe"]),
    ("Eduardo", &["Eddie", "Lalo"]),
    ("Roberto", &["Beto"]),
    ("Alejandro", &["Alex"]),
    ("Ignacio", &["Nacho"]),
    ("Stanislaw", &["Stan"]),
    ("Stanley", &["Stan"]),
    ("Jennifer", &["Jen", "Jenny"]),
    ("Katherine", &["Kate", "Katie", "Kathy"]),
    ("Catherine", &["Cathy", "Cate"]),
    ("Kathleen", &["Kathy", "Kate"]),
    ("Margaret", &["Peggy", "Maggie", "Meg"]),
    ("Patricia", &["Pat", "Patty", "Trish"]),
    ("Susan", &["Sue", "Susie"]),
    ("Deborah", &["Deb", "Debbie"]),
    ("Debra", &["Deb", "Debbie"]),
    ("Rebecca", &["Becky"]),
    ("Victoria", &["Vicky", "Tori"]),
    ("Jessica", &["Jess"]),
    ("Samantha", &["Sam"]),
    ("Christine", &["Chris", "Chrissy"]),
    ("Christina", &["Tina", "Chrissy"]),
    ("Kimberly", &["Kim"]),
    ("Dorothy", &["Dot", "Dottie"]),
    ("Barbara", &["Barb", "Barbie"]),
    ("Cynthia", &["Cindy"]),
    ("Pamela", &["Pam"]),
    ("Sandra", &["Sandy"]),
    ("Theresa", &["Terry", "Tess"]),
    ("Abigail", &["Abby"]),
    ("Jacqueline", &["Jackie"]),
    ("Judith", &["Judy"]),
    ("Frances", &["Fran"]),
    ("Guadalupe", &["Lupe"]),
    ("Rosemarie", &["Rosie"]),
    ("Giuseppina", &["Josie"]),
    ("Concetta", &["Connie"]),
];

/// Returns the nicknames recorded for `formal`, or an empty slice.
pub(crate) fn nicknames(formal: &str) -> &'static [&'static str] {
    NICKNAMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(formal))
        .map_or(&[], |(_, nicks)| nicks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formal_name_has_distinct_nicknames() {
        for (formal, nicks) in NICKNAMES {
            assert!(!nicks.is_empty(), "{formal}");
            for nick in *nicks {
                assert_ne!(nick, formal);
            }
        }
    }

    #[test]
    fn lookup_ignores_case() {
        assert!(nicknames("ROBERT").contains(&"Bobby"));
        assert!(nicknames("Zebedee").is_empty());
    }
}
