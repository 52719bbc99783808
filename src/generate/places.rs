//! Connecticut towns with their ZIP codes, street names and street types, and
//! residences written in the varied forms agencies use.

use std::sync::LazyLock;

use rand::Rng;
use rand::distributions::{Distribution, WeightedIndex};

/// A Connecticut town.
#[derive(Debug)]
pub(crate) struct Town {
    /// Town name as the postal service writes it.
    pub name: &'static str,
    /// County, used to pick the judicial district.
    pub county: County,
    /// ZIP codes delivered in the town.
    pub zips: &'static [&'static str],
    /// Rough population in thousands, used as the sampling weight.
    pub weight: u32,
}

/// Connecticut county.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum County {
    Hartford,
    NewHaven,
    Fairfield,
    Litchfield,
    Middlesex,
    NewLondon,
    Tolland,
    Windham,
}

impl County {
    /// Returns the judicial-district code used in docket numbers.
    pub(crate) fn court_code(self) -> &'static str {
        match self {
            County::Hartford => "HHD",
            County::NewHaven => "NNH",
            County::Fairfield => "FBT",
            County::Litchfield => "LLI",
            County::Middlesex => "MMX",
            County::NewLondon => "KNL",
            County::Tolland => "TTD",
            County::Windham => "WWM",
        }
    }

    /// Returns the town where the district's criminal court sits.
    pub(crate) fn court_town(self) -> &'static str {
        match self {
            County::Hartford => "Hartford",
            County::NewHaven => "New Haven",
            County::Fairfield => "Bridgeport",
            County::Litchfield => "Torrington",
            County::Middlesex => "Middletown",
            County::NewLondon => "New London",
            County::Tolland => "Vernon",
            County::Windham => "Putnam",
        }
    }

    /// Returns the parole district office that supervises the county.
    pub(crate) fn parole_office(self) -> &'static str {
        match self {
            County::Hartford | County::Tolland => "Hartford",
            County::NewHaven | County::Middlesex => "New Haven",
            County::Fairfield => "Bridgeport",
            County::Litchfield => "Waterbury",
            County::NewLondon | County::Windham => "Norwich",
        }
    }
}

use County::{Fairfield as FA, Hartford as HA, Litchfield as LI, Middlesex as MI};
use County::{NewHaven as NH, NewLondon as NL, Tolland as TO, Windham as WI};

macro_rules! town {
    ($name:literal, $county:expr, $weight:literal, [$($zip:literal),+]) => {
        Town { name: $name, county: $county, zips: &[$($zip),+], weight: $weight }
    };
}

/// Towns with the ZIP codes the postal service delivers there.
#[rustfmt::skip]
pub(crate) const TOWNS: &[Town] = &[
    town!("Bridgeport", FA, 148, ["06604", "06605", "06606", "06607", "06608", "06610"]),
    town!("New Haven", NH, 135, ["06510", "06511", "06513", "06515", "06519"]),
    town!("Stamford", FA, 135, ["06901", "06902", "06903", "06905", "06906", "06907"]),
    town!("Hartford", HA, 121, ["06103", "06105", "06106", "06112", "06114", "06120"]),
    town!("Waterbury", NH, 114, ["06702", "06704", "06705", "06706", "06708", "06710"]),
    town!("Norwalk", FA, 91, ["06850", "06851", "06854", "06855"]),
    town!("Danbury", FA, 86, ["06810", "06811"]),
    town!("New Britain", HA, 74, ["06051", "06052", "06053"]),
    town!("West Hartford", HA, 64, ["06107", "06110", "06117", "06119"]),
    town!("Greenwich", FA, 63, ["06830", "06831", "06807", "06870"]),
    town!("Hamden", NH, 61, ["06514", "06517", "06518"]),
    town!("Fairfield", FA, 61, ["06824", "06825"]),
    town!("Meriden", NH, 60, ["06450", "06451"]),
    town!("Bristol", HA, 60, ["06010"]),
    town!("Manchester", HA, 59, ["06040", "06042"]),
    town!("West Haven", NH, 55, ["06516"]),
    town!("Milford", NH, 52, ["06460", "06461"]),
    town!("Stratford", FA, 52, ["06614", "06615"]),
    town!("East Hartford", HA, 51, ["06108", "06118"]),
    town!("Middletown", MI, 47, ["06457"]),
    town!("Wallingford", NH, 44, ["06492"]),
    town!("Enfield", HA, 42, ["06082"]),
    town!("Southington", HA, 43, ["06489"]),
    town!("Shelton", FA, 41, ["06484"]),
    town!("Norwich", NL, 40, ["06360"]),
    town!("Groton", NL, 38, ["06340"]),
    town!("Trumbull", FA, 36, ["06611"]),
    town!("Torrington", LI, 35, ["06790"]),
    town!("Glastonbury", HA, 35, ["06033"]),
    town!("Naugatuck", NH, 31, ["06770"]),
    town!("Newington", HA, 30, ["06111"]),
    town!("Vernon", TO, 30, ["06066"]),
    town!("Cheshire", NH, 29, ["06410"]),
    town!("Windsor", HA, 29, ["06095"]),
    town!("Branford", NH, 28, ["06405"]),
    town!("East Haven", NH, 28, ["06512"]),
    town!("New Milford", LI, 28, ["06776"]),
    town!("Westport", FA, 28, ["06880"]),
    town!("Newtown", FA, 28, ["06470"]),
    town!("Wethersfield", HA, 27, ["06109"]),
    town!("New London", NL, 27, ["06320"]),
    town!("South Windsor", HA, 26, ["06074"]),
    town!("Farmington", HA, 26, ["06032"]),
    town!("Mansfield", TO, 25, ["06268", "06250"]),
    town!("Ridgefield", FA, 25, ["06877"]),
    town!("Windham", WI, 25, ["06226"]),
    town!("North Haven", NH, 24, ["06473"]),
    town!("Simsbury", HA, 24, ["06070"]),
    town!("Watertown", LI, 22, ["06795"]),
    town!("Guilford", NH, 22, ["06437"]),
    town!("Darien", FA, 21, ["06820"]),
    town!("Bloomfield", HA, 21, ["06002"]),
    town!("Rocky Hill", HA, 20, ["06067"]),
    town!("Berlin", HA, 20, ["06037"]),
    town!("Monroe", FA, 20, ["06468"]),
    town!("Waterford", NL, 19, ["06385"]),
    town!("Ansonia", NH, 19, ["06401"]),
    town!("East Lyme", NL, 19, ["06333"]),
    town!("Avon", HA, 18, ["06001"]),
    town!("Killingly", WI, 17, ["06239"]),
    town!("Plainville", HA, 18, ["06062"]),
    town!("Wolcott", NH, 17, ["06716"]),
    town!("Seymour", NH, 16, ["06483"]),
    town!("Colchester", NL, 16, ["06415"]),
    town!("Stonington", NL, 18, ["06378", "06355"]),
    town!("Ledyard", NL, 15, ["06339"]),
    town!("Suffield", HA, 15, ["06078"]),
    town!("Tolland", TO, 15, ["06084"]),
    town!("Ellington", TO, 16, ["06029"]),
    town!("Montville", NL, 18, ["06382"]),
    town!("Orange", NH, 14, ["06477"]),
    town!("Madison", NH, 18, ["06443"]),
    town!("Cromwell", MI, 14, ["06416"]),
    town!("Derby", NH, 12, ["06418"]),
    town!("Windsor Locks", HA, 12, ["06096"]),
    town!("Plainfield", WI, 15, ["06374"]),
    town!("Putnam", WI, 9, ["06260"]),
    town!("Coventry", TO, 12, ["06238"]),
    town!("New Canaan", FA, 20, ["06840"]),
    town!("Wilton", FA, 18, ["06897"]),
    town!("Old Saybrook", MI, 10, ["06475"]),
    town!("Clinton", MI, 13, ["06413"]),
    town!("Southbury", NH, 19, ["06488"]),
    town!("Oxford", NH, 13, ["06478"]),
    town!("Canton", HA, 10, ["06019"]),
    town!("Granby", HA, 11, ["06035"]),
    town!("East Windsor", HA, 11, ["06088"]),
    town!("Stafford", TO, 12, ["06076"]),
    town!("Thomaston", LI, 8, ["06787"]),
    town!("Winchester", LI, 11, ["06098"]),
    town!("Griswold", NL, 12, ["06351"]),
    town!("Portland", MI, 9, ["06480"]),
    town!("East Hampton", MI, 13, ["06424"]),
];

/// A street type with its USPS abbreviation first and the other spellings
/// agencies use after it.
#[rustfmt::skip]
const STREET_TYPES: &[&[&str]] = &[
    &["St", "Street", "ST.", "Str"],
    &["Ave", "Avenue", "Av", "AVE."],
    &["Rd", "Road", "RD."],
    &["Dr", "Drive", "DR."],
    &["Ln", "Lane"],
    &["Pl", "Place"],
    &["Ct", "Court"],
    &["Ter", "Terrace"],
    &["Cir", "Circle"],
    &["Blvd", "Boulevard"],
    &["Tpke", "Turnpike"],
    &["Way"],
];

/// Street names with the index of their usual type in [`STREET_TYPES`].
#[rustfmt::skip]
const STREETS: &[(&str, usize)] = &[
    ("Main", 0), ("Elm", 0), ("Maple", 1), ("Oak", 0), ("Church", 0), ("Park", 1),
    ("Washington", 0), ("Prospect", 0), ("Broad", 0), ("High", 0), ("Center", 0),
    ("Franklin", 1), ("Pleasant", 0), ("Union", 0), ("Chestnut", 0), ("Walnut", 0),
    ("Spring", 0), ("Cedar", 0), ("Pine", 0), ("Hillside", 1), ("Farmington", 1),
    ("Whitney", 1), ("Orange", 0), ("Chapel", 0), ("Dixwell", 1), ("Wethersfield", 1),
    ("Albany", 1), ("Asylum", 1), ("Boston Post", 2), ("Fairfield", 1), ("Stratford", 1),
    ("Silver", 0), ("Ridge", 2), ("Forest", 0), ("Lake", 0), ("Meadow", 0), ("Mill", 0),
    ("School", 0), ("Academy", 0), ("Liberty", 0), ("Grand", 1), ("Summit", 0),
    ("Highland", 1), ("Laurel", 0), ("Sunset", 4), ("Birch", 0), ("Willow", 0),
    ("Cherry", 0), ("Orchard", 0), ("Vine", 0), ("Wolcott", 0), ("Colony", 2),
    ("Quinnipiac", 1), ("Sherman", 1), ("Howard", 1), ("Kossuth", 0), ("Pulaski", 0),
    ("Columbus", 1), ("Garden", 0), ("Bank", 0), ("Hamilton", 0), ("Lafayette", 0),
    ("Brookside", 3), ("Woodland", 3), ("Country Club", 2), ("Old Farm", 2),
    ("Overlook", 3), ("Fox Run", 4), ("Deer Hill", 1), ("Putnam", 1), ("Berlin", 10),
    ("Wilbur Cross", 11), ("Campbell", 1), ("Madison", 1), ("Jefferson", 0),
    ("Lincoln", 0), ("Grove", 0), ("Cottage", 0), ("Sycamore", 5), ("Birchwood", 6),
    ("Valley", 0), ("Riverside", 3), ("Ocean", 1), ("Beach", 0), ("Shore", 2),
    ("Winthrop", 1), ("Edgewood", 1), ("Glen", 0), ("Concord", 0), ("Bradley", 0),
    ("Hollow", 2), ("Chamberlain", 7), ("Fenwick", 8), ("Westfield", 9),
];

/// Compass prefixes some streets carry, as full word and abbreviation.
const DIRECTIONS: &[(&str, &str)] = &[("North", "N"), ("South", "S"), ("East", "E"), ("West", "W")];

static TOWN_WEIGHTS: LazyLock<WeightedIndex<u32>> = LazyLock::new(|| {
    WeightedIndex::new(TOWNS.iter().map(|town| town.weight)).expect("town weights are positive")
});

/// Picks a town by population.
pub(crate) fn town<R: Rng>(rng: &mut R) -> &'static Town {
    &TOWNS[TOWN_WEIGHTS.sample(rng)]
}

/// A place someone lives: number, street, optional unit, town and ZIP.
#[derive(Debug, Clone)]
pub(crate) struct Residence {
    /// House number.
    pub number: u32,
    /// Compass prefix, an index into the directions table.
    pub direction: Option<usize>,
    /// Index into the street table.
    pub street: usize,
    /// Unit number or letter, if an apartment.
    pub unit: Option<String>,
    /// Town.
    pub town: &'static Town,
    /// ZIP code, one of the town's.
    pub zip: &'static str,
}

/// Street-line style of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreetStyle {
    /// Upper case, USPS abbreviations, as motor-vehicle systems print them.
    Upper,
    /// Whatever the clerk typed: mixed spellings of types and directions.
    Typed,
}

impl Residence {
    /// Picks a new residence in a town chosen by population.
    pub(crate) fn random<R: Rng>(rng: &mut R) -> Residence {
        let town = town(rng);
        Residence::random_in(town, rng)
    }

    /// Picks a new residence in `town`.
    pub(crate) fn random_in<R: Rng>(town: &'static Town, rng: &mut R) -> Residence {
        let apartment = rng.gen_bool(0.3);
        let unit = apartment.then(|| match rng.gen_range(0..3) {
            0 => format!("{}", rng.gen_range(1..=40)),
            1 => format!(
                "{}{}",
                rng.gen_range(1..=6),
                ['A', 'B', 'C', 'D'][rng.gen_range(0..4)]
            ),
            _ => ["1", "2", "3", "1L", "2R"][rng.gen_range(0..5)].to_string(),
        });
        Residence {
            number: if apartment {
                rng.gen_range(1..=400)
            } else {
                rng.gen_range(1..=1999)
            },
            direction: rng
                .gen_bool(0.05)
                .then(|| rng.gen_range(0..DIRECTIONS.len())),
            street: rng.gen_range(0..STREETS.len()),
            unit,
            town,
            zip: town.zips[rng.gen_range(0..town.zips.len())],
        }
    }

    /// Writes the street line (number, direction, name, type) in `style`.
    pub(crate) fn street_line<R: Rng>(&self, style: StreetStyle, rng: &mut R) -> String {
        let (name, type_index) = STREETS[self.street];
        let forms = STREET_TYPES[type_index];
        let (direction, street_type) = match style {
            StreetStyle::Upper => (self.direction.map(|d| DIRECTIONS[d].1), forms[0]),
            StreetStyle::Typed => (
                self.direction.map(|d| {
                    if rng.gen_bool(0.5) {
                        DIRECTIONS[d].0
                    } else {
                        DIRECTIONS[d].1
                    }
                }),
                forms[rng.gen_range(0..forms.len())],
            ),
        };
        let mut line = self.number.to_string();
        for part in direction.into_iter().chain([name, street_type]) {
            line.push(' ');
            line.push_str(part);
        }
        match style {
            StreetStyle::Upper => line.to_uppercase(),
            StreetStyle::Typed if rng.gen_bool(0.3) => line.to_uppercase(),
            StreetStyle::Typed => line,
        }
    }

    /// Writes the unit as its own field: `3B`, `Apt 3B` or `#3B`.
    pub(crate) fn unit_field<R: Rng>(&self, rng: &mut R) -> Option<String> {
        let unit = self.unit.as_ref()?;
        Some(match rng.gen_range(0..4) {
            0 => format!("Apt {unit}"),
            1 => format!("#{unit}"),
            2 => format!("APT {unit}"),
            _ => unit.clone(),
        })
    }

    /// Writes the street line with the unit appended, for sources with one street field.
    pub(crate) fn street_with_unit<R: Rng>(&self, style: StreetStyle, rng: &mut R) -> String {
        let mut line = self.street_line(style, rng);
        if let Some(unit) = &self.unit {
            let designator = match (style, rng.gen_bool(0.5)) {
                (_, false) => " #",
                (StreetStyle::Upper, true) => " APT ",
                (StreetStyle::Typed, true) => " Apt ",
            };
            line.push_str(designator);
            line.push_str(unit);
        }
        line
    }

    /// Writes the whole address on one line: `12 Oak St Apt 2, Hartford, CT 06106`.
    pub(crate) fn one_line<R: Rng>(&self, style: StreetStyle, rng: &mut R) -> String {
        let street = self.street_with_unit(style, rng);
        let town = match style {
            StreetStyle::Upper => self.town.name.to_uppercase(),
            StreetStyle::Typed => self.town.name.to_string(),
        };
        format!("{street}, {town}, CT {}", self.zip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Address;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn towns_have_connecticut_zips() {
        assert!(TOWNS.len() >= 60);
        for town in TOWNS {
            for zip in town.zips {
                assert!(
                    zip.len() == 5 && zip.starts_with("06"),
                    "{} {zip}",
                    town.name
                );
            }
        }
    }

    #[test]
    fn every_spelling_of_a_street_normalizes_alike() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..4_000 {
            let home = Residence::random(&mut rng);
            let upper = home.street_with_unit(StreetStyle::Upper, &mut rng);
            let typed = home.one_line(StreetStyle::Typed, &mut rng);
            // The normalizer drops `#` before it looks for a unit, so a
            // `#3` written inside the street line is not recognized yet.
            if upper.contains('#') || typed.contains('#') {
                continue;
            }
            let a = Address::from_parts(&upper, None, home.town.name, "CT", Some(home.zip))
                .expect("upper form parses");
            let b = Address::parse_line(&typed).expect("typed form parses");
            assert_eq!(a.key(), b.key(), "{upper} vs {typed}");
        }
    }
}
