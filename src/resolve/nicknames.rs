//! Nickname table: maps common English given-name diminutives to one formal name.
//!
//! Hand-written because no maintained crate ships a nickname table; the groups
//! are the usual diminutives found in US records. A name may be a diminutive
//! of several formal names (`AL` of ALBERT, ALFRED, ALAN); it maps to the first
//! group listed, so such names compare as nicknames only within that group.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Formal name first, then its diminutives.
const GROUPS: &[&[&str]] = &[
    &["ROBERT", "BOB", "BOBBY", "ROB", "ROBBIE", "ROBBY", "BERT"],
    &[
        "WILLIAM", "BILL", "BILLY", "WILL", "WILLIE", "WILLY", "LIAM",
    ],
    &[
        "RICHARD", "RICK", "RICKY", "RICH", "RICHIE", "DICK", "DICKY",
    ],
    &["JAMES", "JIM", "JIMMY", "JAMIE", "JIMMIE"],
    &["JOHN", "JACK", "JOHNNY", "JON", "JOHNNIE"],
    &["JOSEPH", "JOE", "JOEY", "JOS"],
    &["MICHAEL", "MIKE", "MIKEY", "MICK", "MICKEY"],
    &["THOMAS", "TOM", "TOMMY"],
    &["CHARLES", "CHARLIE", "CHUCK", "CHAS", "CHAZ"],
    &["CHRISTOPHER", "CHRIS", "KIT", "TOPHER"],
    &["DANIEL", "DAN", "DANNY"],
    &["DAVID", "DAVE", "DAVEY", "DAVY"],
    &["EDWARD", "ED", "EDDIE", "EDDY", "TED", "TEDDY", "NED"],
    &["ANTHONY", "TONY"],
    &["STEVEN", "STEVE", "STEPHEN", "STEVIE"],
    &["MATTHEW", "MATT", "MATTY"],
    &["NICHOLAS", "NICK", "NICKY", "NIC"],
    &["ANDREW", "ANDY", "DREW"],
    &["JOSHUA", "JOSH"],
    &["BENJAMIN", "BEN", "BENNY", "BENJI"],
    &["SAMUEL", "SAM", "SAMMY"],
    &["ALEXANDER", "ALEX", "XANDER", "SANDY"],
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
    &["HENRY", "HANK", "HARRY", "HAL"],
    &["FRANCIS", "FRANK", "FRANKIE", "FRANKLIN"],
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
    &["ALEXANDRA", "ALEXA", "LEXI", "ALEXIS"],
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
    use super::canonical_given;

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
}
