//! Vehicles: makes and models common in Connecticut, VINs with plausible
//! manufacturer prefixes and valid check digits, colours and plates.

use rand::Rng;

use super::ids::IdFormats;
use crate::normalize::vin_check_digit;

/// A make with its NCIC code, its models and the manufacturer prefixes (WMI)
/// its VINs start with.
#[derive(Debug)]
pub(crate) struct Make {
    /// Name as motor-vehicle records print it.
    pub name: &'static str,
    /// Four-letter code police systems use.
    pub ncic: &'static str,
    /// Model names.
    pub models: &'static [&'static str],
    /// World manufacturer identifiers.
    pub wmis: &'static [&'static str],
    /// Relative frequency on the road.
    pub weight: u32,
}

#[rustfmt::skip]
const MAKES: &[Make] = &[
    Make { name: "TOYOTA", ncic: "TOYT", models: &["CAMRY", "COROLLA", "RAV4", "HIGHLANDER", "TACOMA"], wmis: &["4T1", "2T1", "JTD", "2T3", "5TF"], weight: 16 },
    Make { name: "HONDA", ncic: "HOND", models: &["CIVIC", "ACCORD", "CR-V", "PILOT"], wmis: &["1HG", "2HG", "19X", "5J6"], weight: 14 },
    Make { name: "FORD", ncic: "FORD", models: &["F-150", "ESCAPE", "EXPLORER", "FUSION", "FOCUS"], wmis: &["1FT", "1FM", "1FA", "3FA"], weight: 12 },
    Make { name: "CHEVROLET", ncic: "CHEV", models: &["SILVERADO", "MALIBU", "EQUINOX", "IMPALA", "CRUZE"], wmis: &["1G1", "1GC", "2GN", "3GN"], weight: 11 },
    Make { name: "NISSAN", ncic: "NISS", models: &["ALTIMA", "SENTRA", "ROGUE"], wmis: &["1N4", "3N1", "JN8", "5N1"], weight: 9 },
    Make { name: "HYUNDAI", ncic: "HYUN", models: &["ELANTRA", "SONATA", "TUCSON", "SANTA FE"], wmis: &["KMH", "5NP", "5NM"], weight: 7 },
    Make { name: "SUBARU", ncic: "SUBA", models: &["OUTBACK", "FORESTER", "IMPREZA", "CROSSTREK"], wmis: &["4S4", "JF1", "JF2", "4S3"], weight: 7 },
    Make { name: "JEEP", ncic: "JEEP", models: &["GRAND CHEROKEE", "WRANGLER", "CHEROKEE", "COMPASS"], wmis: &["1C4", "1J4", "3C4"], weight: 6 },
    Make { name: "KIA", ncic: "KIA", models: &["OPTIMA", "SOUL", "SORENTO", "FORTE"], wmis: &["KNA", "5XY", "KND"], weight: 4 },
    Make { name: "VOLKSWAGEN", ncic: "VOLK", models: &["JETTA", "PASSAT", "TIGUAN"], wmis: &["3VW", "1VW", "WVW", "WVG"], weight: 4 },
    Make { name: "BMW", ncic: "BMW", models: &["328I", "X3", "X5"], wmis: &["WBA", "5UX", "WBX"], weight: 3 },
    Make { name: "MERCEDES-BENZ", ncic: "MERZ", models: &["C300", "E350", "GLC300"], wmis: &["WDD", "55S", "WDC"], weight: 3 },
    Make { name: "DODGE", ncic: "DODG", models: &["RAM 1500", "CHARGER", "GRAND CARAVAN"], wmis: &["1C6", "2C3", "2C4"], weight: 4 },
    Make { name: "MAZDA", ncic: "MAZD", models: &["CX-5", "MAZDA3", "CX-9"], wmis: &["JM1", "JM3"], weight: 3 },
    Make { name: "TESLA", ncic: "TESL", models: &["MODEL 3", "MODEL Y"], wmis: &["5YJ", "7SA"], weight: 1 },
];

/// Colour as motor-vehicle records print it and its NCIC code.
#[rustfmt::skip]
const COLOURS: &[(&str, &str, u32)] = &[
    ("BLACK", "BLK", 20), ("WHITE", "WHI", 22), ("SILVER", "SIL", 15), ("GRAY", "GRY", 18),
    ("BLUE", "BLU", 10), ("RED", "RED", 9), ("GREEN", "GRN", 3), ("BEIGE", "BGE", 2),
    ("MAROON", "MAR", 1),
];

/// Characters allowed in the descriptor section of a VIN: no I, O or Q.
const VIN_CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

/// One vehicle.
#[derive(Debug, Clone)]
pub(crate) struct Vehicle {
    /// Make.
    pub make: &'static Make,
    /// Model.
    pub model: &'static str,
    /// Model year.
    pub year: u16,
    /// Index into the colour table.
    colour: usize,
    /// Vehicle identification number with a valid check digit.
    pub vin: String,
    /// Plate number without separators.
    pub plate: String,
}

impl Vehicle {
    /// Builds vehicle number `index`, a model year no later than `latest_year`.
    pub(crate) fn new<R: Rng>(
        index: u64,
        latest_year: u16,
        ids: &IdFormats,
        rng: &mut R,
    ) -> Vehicle {
        let make = pick_make(rng);
        let model = make.models[rng.gen_range(0..make.models.len())];
        let year = latest_year - rng.gen_range(0..18u16).min(rng.gen_range(0..18u16));
        let wmi = make.wmis[rng.gen_range(0..make.wmis.len())];
        Vehicle {
            make,
            model,
            year,
            colour: pick_colour(rng),
            vin: make_vin(wmi, year, ids.vin_serial(index), rng),
            plate: ids.plate(index, rng.gen_bool(0.3)),
        }
    }

    /// Colour as motor-vehicle records print it.
    pub(crate) fn colour_name(&self) -> &'static str {
        COLOURS[self.colour].0
    }

    /// Colour as police systems code it.
    pub(crate) fn colour_code(&self) -> &'static str {
        COLOURS[self.colour].1
    }

    /// Plate as a clerk might type it: `AB 12345`, `AB-12345` or `AB12345`.
    pub(crate) fn plate_typed<R: Rng>(&self, rng: &mut R) -> String {
        let split = if self.plate.as_bytes()[0].is_ascii_digit() {
            3
        } else {
            2
        };
        let (head, tail) = self.plate.split_at(split);
        match rng.gen_range(0..4) {
            0 => format!("{head} {tail}"),
            1 => format!("{head}-{tail}"),
            _ => self.plate.clone(),
        }
    }
}

fn pick_make<R: Rng>(rng: &mut R) -> &'static Make {
    let total: u32 = MAKES.iter().map(|m| m.weight).sum();
    let mut pick = rng.gen_range(0..total);
    for make in MAKES {
        if pick < make.weight {
            return make;
        }
        pick -= make.weight;
    }
    &MAKES[0]
}

fn pick_colour<R: Rng>(rng: &mut R) -> usize {
    let total: u32 = COLOURS.iter().map(|c| c.2).sum();
    let mut pick = rng.gen_range(0..total);
    for (i, colour) in COLOURS.iter().enumerate() {
        if pick < colour.2 {
            return i;
        }
        pick -= colour.2;
    }
    0
}

/// Returns the model-year character (position 10) for `year`, 1980 to 2039.
fn year_code(year: u16) -> char {
    const CODES: &[u8] = b"ABCDEFGHJKLMNPRSTVWXY123456789";
    CODES[usize::from(year.saturating_sub(1980)) % CODES.len()] as char
}

/// Builds a VIN: WMI, five descriptor characters, check digit, year code,
/// plant code and serial. The plant code and serial encode `serial`, a
/// number unique to the vehicle, so VINs are unique across the run.
fn make_vin<R: Rng>(wmi: &str, year: u16, serial: u64, rng: &mut R) -> String {
    let mut vin = String::with_capacity(17);
    vin.push_str(wmi);
    for _ in 0..5 {
        vin.push(VIN_CHARS[rng.gen_range(0..VIN_CHARS.len())] as char);
    }
    vin.push('0');
    vin.push(year_code(year));
    vin.push(VIN_CHARS[(serial / 1_000_000) as usize % VIN_CHARS.len()] as char);
    vin.push_str(&format!("{:06}", serial % 1_000_000));
    let check = vin_check_digit(&vin).expect("vin has 17 valid characters");
    vin.replace_range(8..9, &check.to_string());
    vin
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Plate, Vin};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn vins_pass_the_check_digit_and_are_unique() {
        let ids = IdFormats::new(1);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = std::collections::HashSet::new();
        for index in (0..3_000_000).step_by(997) {
            let vehicle = Vehicle::new(index, 2025, &ids, &mut rng);
            Vin::parse(&vehicle.vin).unwrap_or_else(|e| panic!("{}: {e}", vehicle.vin));
            assert!(seen.insert(vehicle.vin.clone()));
            let typed = vehicle.plate_typed(&mut rng);
            let plate = Plate::parse("CT", &typed).expect("plate parses");
            assert_eq!(plate.number, vehicle.plate);
        }
    }

    #[test]
    fn year_codes_follow_the_standard() {
        assert_eq!(year_code(2010), 'A');
        assert_eq!(year_code(2018), 'J');
        assert_eq!(year_code(2024), 'R');
        assert_eq!(year_code(2009), '9');
    }
}
