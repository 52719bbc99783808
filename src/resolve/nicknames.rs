//! Nickname table: maps common English given-name diminutives to one formal name.
//!
//! Hand-written because no maintained crate ships a nickname table; the groups
//! are the usual diminutives found in US records. A group also contains the
//! Spanish form of its name with that form's own diminutives (ALEJANDRO and
//! ALEJO beside ALEXANDER and ALEX), because US records write one person
//! either way. A name may be a diminutive of several formal names (`AL` of
//! ALBERT, ALFRED, ALAN), but it is listed in one group only and compares as
//! a nickname only within that group.
//!
//! NOTE: ALEX is in the ALEXANDER group only, so ALEX against ALEJANDRA or
//! ALEXANDRA is not a nickname pair. A name maps to one group, and joining
//! the two groups would make ALEXANDER and ALEXANDRA, who may be twins,
//! one name.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Formal name first, then its diminutives.
const GROUPS: &[&[&str]] = &[
    &[
        "ROBERT", "BOB", "BOBBY", "ROB", "ROBBIE", "ROBBY", "BERT", "ROBERTO", "BETO",
    ],
    &[
        "WILLIAM",
        "BILL",
        "BILLY",
        "WILL",
        "WILLIE",
        "WILLY",
        "LIAM",
        "GUILLERMO",
        "MEMO",
    ],
    &[
        "RICHARD", "RICK", "RICKY", "RICH", "RICHIE", "DICK", "DICKY", "RICARDO",
    ],
    &["JAMES", "JIM", "JIMMY", "JAMIE", "JIMMIE"],
    &["JOHN", "JACK", "JOHNNY", "JON", "JOHNNIE"],
    &["JOSEPH", "JOE", "JOEY", "JOS", "JOSE", "PEPE"],
    &["MICHAEL", "MIKE", "MIKEY", "MICK", "MICKEY"],
    &["THOMAS", "TOM", "TOMMY"],
    &["CHARLES", "CHARLIE", "CHUCK", "CHAS", "CHAZ"],
    &["CHRISTOPHER", "CHRIS", "KIT", "TOPHER"],
    &["DANIEL", "DAN", "DANNY"],
    &["DAVID", "DAVE", "DAVEY", "DAVY"],
    &[
        "EDWARD", "ED", "EDDIE", "EDDY", "TED", "TEDDY", "NED", "EDUARDO", "LALO",
    ],
    &["ANTHONY", "TONY", "ANTONIO"],
    &["STEVEN", "STEVE", "STEPHEN", "STEVIE"],
    &["MATTHEW", "MATT", "MATTY"],
    &["NICHOLAS", "NICK", "NICKY", "NIC"],
    &["ANDREW", "ANDY", "DREW"],
    &["JOSHUA", "JOSH"],
    &["BENJAMIN", "BEN", "BENNY", "BENJI"],
    &["SAMUEL", "SAM", "SAMMY"],
    &["ALEXANDER", "ALEX", "XANDER", "SANDY", "ALEJANDRO", "ALEJO"],
    &["ALBERT", "AL", "ALBIE"],
    &["ALFRED", "ALF", "ALFIE", "FRED", "FREDDIE"],
    &["FREDERICK", "FREDDY", "FRITZ"],
    &["GERALD", "GERRY", "JERRY"],
    &["GREGORY", "GREG"],
    &["JEFFREY", "JEFF", "GEOFFREY", "GEOFF"],
    &["JONATHAN", "JONNY"],
    &["KENNETH", "KEN", "KENNY"],
    &["LAWRENCE", "LARRY", "LAURENCE"],
    &["LEONARD", "LEN", "LENNY", "LEO"],
    &["PATRICK", "PAT", "PADDY", "RICKIE"],
    &["PETER", "PETE"],
    &["PHILIP", "PHIL", "PHILLIP"],
    &["RAYMOND", "RAY"],
    &["RONALD", "RON", "RONNIE"],
    &["DONALD", "DON", "DONNIE"],
    &["TIMOTHY", "TIM", "TIMMY"],
    &["VINCENT", "VINCE", "VINNY"],
    &["WALTER", "WALT", "WALLY"],
    &["ZACHARY", "ZACH", "ZACK"],
    &["HENRY", "HANK", "HARRY", "HAL", "ENRIQUE", "KIKE"],
    &[
        "FRANCIS",
        "FRANK",
        "FRANKIE",
        "FRANKLIN",
        "FRANCISCO",
        "PACO",
        "PANCHO",
    ],
    &["MANUEL", "MANNY"],
    &["JESUS", "CHUY"],
    &["IGNACIO", "NACHO"],
    &["EUGENE", "GENE"],
    &["DOUGLAS", "DOUG"],
    &["NATHANIEL", "NATHAN", "NATE", "NAT"],
    &["JACOB", "JAKE"],
    &[
        "ELIZABETH",
        "LIZ",
        "LIZZIE",
        "BETH",
        "BETTY",
        "BETSY",
        "ELIZA",
        "LIBBY",
        "LISA",
    ],
    &[
        "MARGARET", "MAGGIE", "MEG", "PEGGY", "MARGE", "MADGE", "GRETA",
    ],
    &[
        "KATHERINE",
        "KATE",
        "KATIE",
        "KATHY",
        "KAT",
        "CATHERINE",
        "CATHY",
        "KATHRYN",
    ],
    &["JENNIFER", "JEN", "JENNY", "JENNIE"],
    &["JESSICA", "JESS", "JESSIE"],
    &["PATRICIA", "PATTY", "PATSY", "TRISH", "TRICIA"],
    &["SUSAN", "SUE", "SUSIE", "SUZY", "SUZANNE"],
    &["DEBORAH", "DEB", "DEBBIE", "DEBRA"],
    &["REBECCA", "BECKY", "BECCA"],
    &[
        "CHRISTINE",
        "CHRISTINA",
        "CHRISSY",
        "TINA",
        "KRISTINA",
        "KRISTINE",
    ],
    &["VICTORIA", "VICKY", "VICKI", "TORI"],
    &["ABIGAIL", "ABBY", "ABBIE", "GAIL"],
    &["SAMANTHA", "SAMMIE"],
    &["ALEXANDRA", "ALEXA", "LEXI", "ALEXIS", "ALEJANDRA", "ALE"],
    &["ELEANOR", "ELLIE", "NELL", "NELLIE", "NORA"],
    &["DOROTHY", "DOT", "DOTTIE", "DOLLY"],
    &["BARBARA", "BARB", "BABS"],
    &["CYNTHIA", "CINDY"],
    &["KIMBERLY", "KIM", "KIMMY"],
    &["PAMELA", "PAM"],
    &["ANGELA", "ANGIE"],
    &["THERESA", "TERESA", "TERRI", "TERRY", "TESS", "TESSA"],
    &["JACQUELINE", "JACKIE"],
    &["STEPHANIE", "STEPH"],
    &["VALERIE", "VAL"],
    &["JOSEPHINE", "JOSIE", "JO"],
    &["ANNE", "ANN", "ANNA", "ANNIE", "NANCY", "NAN"],
    &["MARY", "MOLLY", "POLLY", "MAMIE", "MAE"],
    &["SARAH", "SARA", "SALLY", "SADIE"],
    &["CAROLINE", "CAROL", "CARRIE", "CAROLYN"],
    &["MADELINE", "MADDIE", "MADDY"],
    &["ISABELLA", "ISABEL", "BELLA", "IZZY"],
    &["GABRIELLE", "GABBY", "GABRIELLA"],
];

fn table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::new();
        for group in GROUPS {
            for name in *group {
                map.entry(*name).or_insert(group[0]);
            }
        }
        map
    })
}

/// Returns the formal name `given` is a diminutive of, or `given` itself.
pub(crate) fn canonical_given(given: &str) -> &str {
    table().get(given).copied().unwrap_or(given)
}

#[cfg(test)]
mod tests {
    use super::{GROUPS, canonical_given};

    #[test]
    fn diminutives_map_to_their_formal_name() {
        let cases = [
            ("BOB", "ROBERT"),
            ("ROBBY", "ROBERT"),
            ("ROBERT", "ROBERT"),
            ("PEGGY", "MARGARET"),
            ("LIZ", "ELIZABETH"),
            ("ZEBULON", "ZEBULON"),
        ];
        for (given, formal) in cases {
            assert_eq!(canonical_given(given), formal, "{given}");
        }
    }

    #[test]
    fn spanish_forms_share_short_forms() {
        // Each pair compares as one name: both map to one formal name.
        let pairs = [
            ("ALEX", "ALEJANDRO"),
            ("ALEJO", "ALEXANDER"),
            ("ALE", "ALEJANDRA"),
            ("ALEXANDRA", "ALEJANDRA"),
            ("FRANK", "FRANCISCO"),
            ("PACO", "FRANCISCO"),
            ("PANCHO", "FRANCIS"),
            ("JOE", "JOSE"),
            ("PEPE", "JOSEPH"),
            ("WILL", "GUILLERMO"),
            ("MEMO", "GUILLERMO"),
            ("ROBERT", "ROBERTO"),
            ("BETO", "BOB"),
            ("HENRY", "ENRIQUE"),
            ("KIKE", "HANK"),
            ("ED", "EDUARDO"),
            ("EDDIE", "LALO"),
            ("RICKY", "RICARDO"),
            ("TONY", "ANTONIO"),
            ("MANNY", "MANUEL"),
            ("CHUY", "JESUS"),
            ("NACHO", "IGNACIO"),
        ];
        for (a, b) in pairs {
            assert_eq!(canonical_given(a), canonical_given(b), "{a} and {b}");
        }
    }

    #[test]
    fn different_names_stay_apart() {
        // Names of different people, twins among them, are not nicknames.
        let pairs = [
            ("ALEXANDER", "ALEXANDRA"),
            ("ALEJANDRO", "ALEJANDRA"),
            ("ALEX", "ALEJANDRA"),
            ("JOSE", "JOSEPHINE"),
            ("FRANCISCO", "FREDERICK"),
            ("MANUEL", "MICHAEL"),
            ("JESUS", "JAMES"),
        ];
        for (a, b) in pairs {
            assert_ne!(canonical_given(a), canonical_given(b), "{a} and {b}");
        }
    }

    #[test]
    fn each_name_is_listed_once() {
        // A second listing would be ignored, since a name maps to its first group.
        let mut seen = std::collections::HashMap::new();
        for group in GROUPS {
            for name in *group {
                if let Some(first) = seen.insert(*name, group[0]) {
                    panic!("{name} is listed under {first} and {}", group[0]);
                }
            }
        }
    }
}
