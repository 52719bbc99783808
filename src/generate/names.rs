//! Given names and surnames with Connecticut-like frequencies: a weighted head
//! of common names per origin and a long tail of composed surnames.

use std::sync::LazyLock;

use rand::Rng;
use rand::distributions::{Distribution, WeightedIndex};

use crate::model::Sex;

/// Broad naming tradition, used to pair given names with surnames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// English, Irish, Scottish and general American names.
    General,
    /// Puerto Rican, Dominican and other Spanish-speaking families.
    Hispanic,
    /// Italian-American families.
    Italian,
    /// Polish-American families.
    Polish,
    /// Portuguese and Brazilian families.
    Lusophone,
    /// Vietnamese, Chinese, Korean and South Asian families.
    Asian,
    /// Haitian and other French-speaking Caribbean families.
    Haitian,
}

const ORIGINS: [Origin; 7] = [
    Origin::General,
    Origin::Hispanic,
    Origin::Italian,
    Origin::Polish,
    Origin::Lusophone,
    Origin::Asian,
    Origin::Haitian,
];

use Origin::{Asian as A, General as G, Haitian as T, Hispanic as H, Italian as I};
use Origin::{Lusophone as L, Polish as P};

/// Male given names: name, relative weight, origin.
#[rustfmt::skip]
const MALE: &[(&str, u32, Origin)] = &[
    ("Michael", 32, G), ("James", 30, G), ("Robert", 28, G), ("John", 28, G),
    ("David", 26, G), ("William", 22, G), ("Joseph", 20, G), ("Christopher", 18, G),
    ("Daniel", 16, G), ("Anthony", 16, G), ("Thomas", 15, G), ("Richard", 14, G),
    ("Matthew", 14, G), ("Charles", 10, G), ("Andrew", 10, G), ("Joshua", 10, G),
    ("Mark", 9, G), ("Steven", 9, G), ("Kevin", 9, G), ("Brian", 9, G),
    ("Jason", 9, G), ("Nicholas", 9, G), ("Paul", 8, G), ("Jonathan", 8, G),
    ("Ryan", 8, G), ("Edward", 7, G), ("Timothy", 7, G), ("Jeffrey", 7, G),
    ("Eric", 7, G), ("Justin", 7, G), ("Patrick", 7, G), ("Jacob", 7, G),
    ("Ronald", 6, G), ("Scott", 6, G), ("Brandon", 6, G), ("Benjamin", 6, G),
    ("Alexander", 6, G), ("Stephen", 6, G), ("Gary", 5, G), ("Samuel", 5, G),
    ("Gregory", 5, G), ("Frank", 5, G), ("Raymond", 5, G), ("Tyler", 5, G),
    ("Peter", 5, G), ("Kenneth", 5, G), ("Donald", 5, G), ("George", 5, G),
    ("Adam", 5, G), ("Sean", 5, G), ("Dennis", 4, G), ("Aaron", 4, G),
    ("Jeremy", 4, G), ("Kyle", 4, G), ("Zachary", 4, G), ("Ethan", 4, G),
    ("Nathan", 3, G), ("Walter", 3, G), ("Henry", 3, G), ("Douglas", 3, G),
    ("Marcus", 3, G), ("Dylan", 3, G), ("Austin", 3, G), ("Evan", 3, G),
    ("Keith", 3, G), ("Louis", 3, G), ("Larry", 3, G), ("Jerry", 3, G),
    ("Gerald", 2, G), ("Lawrence", 2, G), ("Albert", 2, G), ("Arthur", 2, G),
    ("Carl", 2, G), ("Harold", 2, G), ("Jamal", 2, G), ("Andre", 2, G),
    ("Terrence", 2, G), ("Tyrone", 2, G), ("Xavier", 2, G), ("Noah", 2, G),
    ("Liam", 2, G), ("Mason", 2, G), ("Connor", 2, G), ("Ian", 2, G),
    ("Shane", 2, G), ("Craig", 2, G), ("Todd", 2, G), ("Derek", 2, G),
    ("Wayne", 2, G), ("Roger", 2, G), ("Bruce", 2, G), ("Philip", 2, G),
    ("Russell", 2, G), ("Malik", 1, G), ("Darnell", 1, G), ("Deshawn", 1, G),
    ("Jose", 14, H), ("Luis", 10, H), ("Juan", 8, H), ("Carlos", 7, H),
    ("Angel", 6, H), ("Miguel", 5, H), ("Victor", 4, H), ("Edwin", 4, H),
    ("Jesus", 3, H), ("Pedro", 3, H), ("Hector", 3, H), ("Rafael", 3, H),
    ("Francisco", 3, H), ("Alejandro", 3, H), ("Jorge", 3, H), ("Ramon", 2, H),
    ("Eduardo", 2, H), ("Roberto", 2, H), ("Manuel", 2, H), ("Wilfredo", 2, H),
    ("Jonathan", 2, H), ("Christian", 2, H), ("Israel", 1, H), ("Nelson", 2, H),
    ("Enrique", 1, H), ("Ignacio", 1, H), ("Felix", 1, H), ("Julio", 2, H),
    ("Anthony", 3, I), ("Vincent", 4, I), ("Salvatore", 2, I), ("Giovanni", 2, I),
    ("Antonio", 3, I), ("Dominic", 2, I), ("Giuseppe", 1, I), ("Carmine", 1, I),
    ("Stanley", 2, P), ("Tomasz", 1, P), ("Krzysztof", 1, P), ("Piotr", 1, P),
    ("Stanislaw", 1, P), ("Wojciech", 1, P), ("Marek", 1, P), ("Pawel", 1, P),
    ("Joao", 1, L), ("Manuel", 1, L), ("Paulo", 1, L), ("Fernando", 1, L),
    ("Minh", 1, A), ("Hung", 1, A), ("Wei", 1, A), ("Raj", 1, A),
    ("Amit", 1, A), ("Sanjay", 1, A), ("Jin", 1, A), ("Duc", 1, A),
    ("Jean", 1, T), ("Pierre", 1, T), ("Emmanuel", 1, T), ("Frantz", 1, T),
];

/// Female given names: name, relative weight, origin.
#[rustfmt::skip]
const FEMALE: &[(&str, u32, Origin)] = &[
    ("Mary", 22, G), ("Jennifer", 20, G), ("Elizabeth", 16, G), ("Jessica", 14, G),
    ("Sarah", 14, G), ("Patricia", 12, G), ("Susan", 11, G), ("Ashley", 11, G),
    ("Lisa", 11, G), ("Linda", 10, G), ("Karen", 10, G), ("Michelle", 10, G),
    ("Amanda", 10, G), ("Melissa", 10, G), ("Barbara", 9, G), ("Margaret", 9, G),
    ("Kimberly", 9, G), ("Emily", 9, G), ("Nancy", 8, G), ("Stephanie", 8, G),
    ("Nicole", 8, G), ("Sandra", 7, G), ("Donna", 7, G), ("Deborah", 7, G),
    ("Rebecca", 7, G), ("Laura", 7, G), ("Kathleen", 7, G), ("Amy", 7, G),
    ("Samantha", 7, G), ("Carol", 6, G), ("Angela", 6, G), ("Katherine", 6, G),
    ("Christine", 6, G), ("Heather", 6, G), ("Sharon", 5, G), ("Cynthia", 5, G),
    ("Anna", 5, G), ("Pamela", 5, G), ("Rachel", 5, G), ("Catherine", 5, G),
    ("Diane", 5, G), ("Julie", 5, G), ("Kelly", 5, G), ("Christina", 5, G),
    ("Lauren", 5, G), ("Megan", 5, G), ("Brenda", 4, G), ("Debra", 4, G),
    ("Janet", 4, G), ("Victoria", 4, G), ("Joan", 4, G), ("Judith", 4, G),
    ("Cheryl", 4, G), ("Andrea", 4, G), ("Denise", 4, G), ("Danielle", 4, G),
    ("Brittany", 4, G), ("Dorothy", 4, G), ("Betty", 3, G), ("Shirley", 3, G),
    ("Helen", 3, G), ("Carolyn", 3, G), ("Joyce", 3, G), ("Olivia", 3, G),
    ("Hannah", 3, G), ("Jacqueline", 3, G), ("Ann", 3, G), ("Theresa", 3, G),
    ("Kathryn", 3, G), ("Sara", 3, G), ("Janice", 3, G), ("Julia", 3, G),
    ("Amber", 3, G), ("Natalie", 3, G), ("Kayla", 3, G), ("Jasmine", 3, G),
    ("Ruth", 2, G), ("Virginia", 2, G), ("Evelyn", 2, G), ("Martha", 2, G),
    ("Frances", 2, G), ("Gloria", 2, G), ("Alice", 2, G), ("Madison", 2, G),
    ("Abigail", 2, G), ("Judy", 2, G), ("Grace", 2, G), ("Marilyn", 2, G),
    ("Beverly", 2, G), ("Sophia", 2, G), ("Diana", 2, G), ("Rose", 2, G),
    ("Alexis", 2, G), ("Tiffany", 2, G), ("Keisha", 1, G), ("Latoya", 1, G),
    ("Tanisha", 1, G), ("Aaliyah", 1, G), ("Destiny", 1, G), ("Charlotte", 1, G),
    ("Maria", 16, H), ("Carmen", 6, H), ("Ana", 5, H), ("Luz", 4, H),
    ("Rosa", 4, H), ("Yolanda", 2, H), ("Marisol", 2, H), ("Yesenia", 2, H),
    ("Milagros", 2, H), ("Gladys", 2, H), ("Iris", 2, H), ("Wanda", 2, H),
    ("Elena", 2, H), ("Alejandra", 2, H), ("Daniela", 2, H), ("Gabriela", 2, H),
    ("Migdalia", 1, H), ("Lourdes", 1, H), ("Nilda", 1, H), ("Aida", 1, H),
    ("Guadalupe", 1, H), ("Jessenia", 1, H), ("Sofia", 2, H), ("Stephanie", 2, H),
    ("Angela", 2, I), ("Francesca", 1, I), ("Antonella", 1, I), ("Concetta", 1, I),
    ("Giuseppina", 1, I), ("Teresa", 3, I), ("Rosemarie", 1, I), ("Gina", 1, I),
    ("Agnieszka", 1, P), ("Katarzyna", 1, P), ("Malgorzata", 1, P), ("Joanna", 1, P),
    ("Barbara", 1, P), ("Halina", 1, P), ("Ana", 1, L), ("Fatima", 1, L),
    ("Mei", 1, A), ("Linh", 1, A), ("Priya", 1, A), ("Anjali", 1, A),
    ("Mi-Young", 1, A), ("Thuy", 1, A), ("Marie", 2, T), ("Nadege", 1, T),
    ("Guerline", 1, T), ("Fabienne", 1, T),
];

/// Common surnames: name, relative weight, origin. Weights are rough
/// estimates of frequency in Connecticut. [`composed_surnames`] adds the long tail.
#[rustfmt::skip]
const SURNAMES: &[(&str, u32, Origin)] = &[
    ("Smith", 60, G), ("Johnson", 45, G), ("Williams", 40, G), ("Brown", 38, G),
    ("Jones", 34, G), ("Miller", 26, G), ("Davis", 26, G), ("Wilson", 20, G),
    ("Anderson", 18, G), ("Taylor", 18, G), ("Thomas", 17, G), ("Moore", 16, G),
    ("Jackson", 16, G), ("White", 16, G), ("Harris", 15, G), ("Martin", 15, G),
    ("Thompson", 15, G), ("Clark", 13, G), ("Lewis", 12, G), ("Robinson", 12, G),
    ("Walker", 12, G), ("Allen", 11, G), ("Young", 11, G), ("King", 11, G),
    ("Wright", 10, G), ("Scott", 10, G), ("Hill", 10, G), ("Green", 10, G),
    ("Adams", 10, G), ("Baker", 10, G), ("Nelson", 9, G), ("Carter", 9, G),
    ("Mitchell", 9, G), ("Roberts", 9, G), ("Campbell", 9, G), ("Parker", 8, G),
    ("Evans", 8, G), ("Edwards", 8, G), ("Collins", 8, G), ("Stewart", 7, G),
    ("Morris", 7, G), ("Cook", 7, G), ("Bailey", 7, G), ("Cooper", 7, G),
    ("Peterson", 6, G), ("Gray", 6, G), ("Ward", 6, G), ("Bennett", 6, G),
    ("St. Pierre", 2, G), ("Van Der Berg", 1, G), ("Beaulieu", 2, G), ("Gagnon", 3, G),
    ("Murphy", 20, G), ("Sullivan", 16, G), ("Kelly", 14, G), ("O'Brien", 12, G),
    ("O'Connor", 10, G), ("McCarthy", 10, G), ("Ryan", 10, G), ("Walsh", 9, G),
    ("Fitzgerald", 7, G), ("Doyle", 7, G), ("Kennedy", 7, G), ("Lynch", 7, G),
    ("O'Neil", 6, G), ("Quinn", 5, G), ("Brennan", 5, G), ("Donovan", 5, G),
    ("Rodriguez", 40, H), ("Rivera", 38, H), ("Garcia", 30, H), ("Gonzalez", 30, H),
    ("Martinez", 28, H), ("Hernandez", 26, H), ("Lopez", 25, H), ("Perez", 25, H),
    ("Torres", 22, H), ("Ortiz", 20, H), ("Cruz", 20, H), ("Santiago", 20, H),
    ("Colon", 18, H), ("Vazquez", 16, H), ("Diaz", 16, H), ("Reyes", 15, H),
    ("Ramos", 14, H), ("Morales", 14, H), ("Figueroa", 12, H), ("Velez", 12, H),
    ("Ayala", 10, H), ("Soto", 10, H), ("Negron", 8, H), ("Maldonado", 8, H),
    ("Burgos", 7, H), ("Acevedo", 7, H), ("Quiñones", 7, H), ("Padilla", 6, H),
    ("Jimenez", 8, H), ("Sanchez", 12, H), ("Medina", 8, H), ("Castro", 6, H),
    ("De La Cruz", 5, H), ("Del Valle", 4, H), ("De Jesus", 6, H), ("De Leon", 3, H),
    ("Russo", 10, I), ("Esposito", 9, I), ("Romano", 8, I), ("Marino", 7, I),
    ("Ricci", 6, I), ("DeLuca", 6, I), ("Ferrara", 5, I), ("Caruso", 5, I),
    ("Lombardi", 5, I), ("Santoro", 4, I), ("Gallo", 4, I), ("Costa", 4, I),
    ("Mancini", 4, I), ("Giordano", 4, I), ("Rinaldi", 3, I), ("Barone", 3, I),
    ("DiNapoli", 2, I), ("D'Amato", 3, I), ("LaRosa", 2, I), ("Iannotti", 2, I),
    ("Kowalski", 8, P), ("Nowak", 7, P), ("Wisniewski", 6, P), ("Wojcik", 5, P),
    ("Kaminski", 5, P), ("Lewandowski", 5, P), ("Zielinski", 4, P), ("Szymanski", 4, P),
    ("Kozlowski", 4, P), ("Jankowski", 3, P), ("Mazur", 3, P), ("Krawczyk", 3, P),
    ("Sadowski", 3, P), ("Dabrowski", 3, P), ("Pawlak", 2, P), ("Zawadzki", 2, P),
    ("Silva", 8, L), ("Santos", 7, L), ("Pereira", 6, L), ("Oliveira", 5, L),
    ("Ferreira", 4, L), ("Rodrigues", 4, L), ("Sousa", 4, L), ("Medeiros", 3, L),
    ("Nguyen", 10, A), ("Tran", 6, A), ("Le", 4, A), ("Pham", 3, A),
    ("Patel", 10, A), ("Shah", 4, A), ("Kim", 6, A), ("Lee", 8, A),
    ("Chen", 6, A), ("Wang", 5, A), ("Liu", 3, A), ("Zhang", 3, A),
    ("Jean-Baptiste", 3, T), ("Pierre", 4, T), ("Joseph", 5, T), ("Louis", 3, T),
    ("Charles", 3, T), ("Desir", 2, T), ("Etienne", 2, T), ("Toussaint", 2, T),
];

/// Stems and endings that compose plausible, fictional surnames for the tail.
#[rustfmt::skip]
const COMPOSED: &[(Origin, &[&str], &[&str])] = &[
    (
        Origin::Polish,
        &["Grab", "Bor", "Dab", "Jas", "Kras", "Lis", "Maj", "Nied", "Pas", "Rud", "Sob", "Wol", "Zaw", "Kub", "Pawl", "Wrob", "Zar", "Mic", "Sled", "Gor"],
        &["owski", "ewski", "inski", "czyk", "iak", "ewicz", "ek"],
    ),
    (
        Origin::Italian,
        &["Bert", "Mor", "Pell", "Rin", "Castell", "Fior", "Gall", "Mart", "Sant", "Vit", "Ferr", "Cap", "Bonf", "Cas", "Dan", "Mar", "Pic", "Tar"],
        &["elli", "ini", "etti", "ucci", "one", "ano", "ino", "acci"],
    ),
    (
        Origin::General,
        &["Ash", "Black", "Brad", "Brook", "Cal", "Cran", "Dal", "Fair", "Hal", "Hart", "Kings", "Lang", "Mar", "New", "Pen", "Red", "Stan", "Wood", "West", "Whit", "Mor", "Thorn"],
        &["ford", "ley", "ton", "wood", "field", "well", "by", "worth", "man", "er"],
    ),
    (
        Origin::Hispanic,
        &["Alv", "Bel", "Cast", "Est", "Gal", "Mend", "Nav", "Ped", "Quint", "Sal", "Val", "Vill", "Zam", "Arr", "Bust", "Carr"],
        &["arez", "edo", "ino", "ado", "ero", "ales", "anda", "illo"],
    ),
    (
        Origin::General,
        &["Mc"],
        &["Ardle", "Bride", "Cann", "Cormack", "Dermott", "Evoy", "Gowan", "Hale", "Keon", "Laughlin", "Nally", "Quade", "Teer", "Grath", "Guire", "Kenna"],
    ),
];

/// Picks a sex for a new, unrelated adult.
pub(crate) fn sample_sex<R: Rng>(rng: &mut R) -> Sex {
    if rng.gen_bool(0.49) {
        Sex::Male
    } else {
        Sex::Female
    }
}

struct GivenTable {
    by_origin: Vec<(Origin, Vec<&'static str>, WeightedIndex<u32>)>,
}

impl GivenTable {
    fn new(table: &'static [(&'static str, u32, Origin)]) -> Self {
        let by_origin = ORIGINS
            .iter()
            .filter_map(|&origin| {
                let rows: Vec<_> = table.iter().filter(|row| row.2 == origin).collect();
                let weights = WeightedIndex::new(rows.iter().map(|row| row.1)).ok()?;
                Some((origin, rows.iter().map(|row| row.0).collect(), weights))
            })
            .collect();
        GivenTable { by_origin }
    }

    fn sample<R: Rng>(&self, origin: Origin, rng: &mut R) -> &'static str {
        // Families of every origin also use general American names.
        let wanted = if rng.gen_bool(0.65) {
            origin
        } else {
            Origin::General
        };
        let (_, names, weights) = self
            .by_origin
            .iter()
            .find(|entry| entry.0 == wanted)
            .unwrap_or(&self.by_origin[0]);
        names[weights.sample(rng)]
    }
}

struct SurnameTable {
    names: Vec<(String, Origin)>,
    weights: WeightedIndex<u32>,
}

/// Returns the composed tail surnames, each with its origin.
fn composed_surnames() -> Vec<(String, Origin)> {
    let mut out = Vec::new();
    for (origin, stems, endings) in COMPOSED {
        for stem in *stems {
            for ending in *endings {
                out.push((format!("{stem}{ending}"), *origin));
            }
        }
    }
    out
}

impl SurnameTable {
    fn new() -> Self {
        let mut names: Vec<(String, Origin)> = Vec::new();
        let mut weights = Vec::new();
        for (name, weight, origin) in SURNAMES {
            names.push((name.to_string(), *origin));
            // The head is scaled up so the composed tail gets a sizeable
            // minority of people (the unit test checks 15 to 60 percent).
            weights.push(weight * 20);
        }
        for entry in composed_surnames() {
            if names.iter().all(|(n, _)| *n != entry.0) {
                names.push(entry);
                weights.push(25);
            }
        }
        let weights = WeightedIndex::new(weights).expect("surname weights are positive");
        SurnameTable { names, weights }
    }
}

static MALE_NAMES: LazyLock<GivenTable> = LazyLock::new(|| GivenTable::new(MALE));
static FEMALE_NAMES: LazyLock<GivenTable> = LazyLock::new(|| GivenTable::new(FEMALE));
static SURNAME_TABLE: LazyLock<SurnameTable> = LazyLock::new(SurnameTable::new);

/// Picks a given name for someone of `sex` from a family of `origin`.
pub(crate) fn given_name<R: Rng>(sex: Sex, origin: Origin, rng: &mut R) -> &'static str {
    match sex {
        Sex::Female => FEMALE_NAMES.sample(origin, rng),
        _ => MALE_NAMES.sample(origin, rng),
    }
}

/// Picks a surname by frequency and returns it with its origin.
pub(crate) fn surname<R: Rng>(rng: &mut R) -> (String, Origin) {
    let table = &*SURNAME_TABLE;
    table.names[table.weights.sample(rng)].clone()
}

/// Picks a surname of one origin, used for compound Hispanic surnames.
pub(crate) fn surname_of<R: Rng>(origin: Origin, rng: &mut R) -> String {
    for _ in 0..64 {
        let (name, found) = surname(rng);
        if found == origin && !name.contains([' ', '-']) {
            return name;
        }
    }
    "Rivera".to_string()
}

/// A few full names so common that several unrelated people share them.
pub(crate) const COMMON_FULL_NAMES: &[(&str, &str, Sex)] = &[
    ("Jose", "Rodriguez", Sex::Male),
    ("Michael", "Smith", Sex::Male),
    ("Maria", "Rivera", Sex::Female),
    ("John", "Murphy", Sex::Male),
    ("Luis", "Gonzalez", Sex::Male),
    ("Jennifer", "Johnson", Sex::Female),
    ("David", "Nguyen", Sex::Male),
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn surname_tail_is_long_and_unique() {
        let table = &*SURNAME_TABLE;
        assert!(
            table.names.len() > 800,
            "only {} surnames",
            table.names.len()
        );
        let mut seen = std::collections::HashSet::new();
        for (name, _) in &table.names {
            assert!(seen.insert(name.clone()), "duplicate surname {name}");
        }
    }

    #[test]
    fn head_surnames_dominate_but_tail_occurs() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let draws: Vec<String> = (0..20_000).map(|_| surname(&mut rng).0).collect();
        let smith = draws.iter().filter(|n| *n == "Smith").count();
        let tail = draws
            .iter()
            .filter(|n| SURNAMES.iter().all(|row| row.0 != n.as_str()))
            .count();
        assert!(smith > 100, "Smith drawn {smith} times");
        assert!(tail > 3_000, "tail drawn {tail} times");
        assert!(tail < 12_000, "tail drawn {tail} times");
    }

    #[test]
    fn given_names_follow_sex() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for _ in 0..200 {
            let name = given_name(Sex::Female, Origin::Hispanic, &mut rng);
            assert!(FEMALE.iter().any(|row| row.0 == name), "{name}");
        }
    }
}
