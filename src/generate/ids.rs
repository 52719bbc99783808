//! Identifier formats and the seeded permutations that make every identifier
//! unique without coordination between chunks.
//!
//! Each identifier is a bijection of a global index (person, vehicle or record
//! number) onto its number space, so two chunks can never hand out the same one.

/// An affine permutation `i -> (a * i + b) mod m` of `0..m`; `a` is coprime to `m`.
#[derive(Debug, Clone, Copy)]
struct Permutation {
    a: u64,
    b: u64,
    m: u64,
}

impl Permutation {
    fn new(seed: u64, salt: u64, m: u64) -> Permutation {
        let mixed = splitmix(seed ^ salt);
        let mut a = (mixed % m) | 1;
        while gcd(a, m) != 1 {
            a += 2;
        }
        Permutation {
            a,
            b: splitmix(mixed) % m,
            m,
        }
    }

    fn apply(self, i: u64) -> u64 {
        let product = (u128::from(self.a) * u128::from(i % self.m)) % u128::from(self.m);
        (product as u64 + self.b) % self.m
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// SplitMix64 finalizer, used to derive independent values from the seed.
pub(crate) fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Distinct plant-and-serial values: 33 plant characters times a million serials.
pub(crate) const VIN_SERIALS: u64 = 33 * 1_000_000;

/// Letters used on plates and in FBI numbers: no I, O or Q.
const LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// Seeded identifier formats for one generation run.
#[derive(Debug, Clone)]
pub(crate) struct IdFormats {
    state_id: Permutation,
    fbi: Permutation,
    licence: Permutation,
    inmate: Permutation,
    sor: Permutation,
    plate_letters: Permutation,
    plate_digits: Permutation,
    vin_serial: Permutation,
}

impl IdFormats {
    /// Derives the permutations from the run's seed.
    pub(crate) fn new(seed: u64) -> IdFormats {
        IdFormats {
            state_id: Permutation::new(seed, 1, 10_000_000),
            fbi: Permutation::new(seed, 2, 23 * 23 * 1_000_000),
            licence: Permutation::new(seed, 3, 900_000_000),
            inmate: Permutation::new(seed, 4, 900_000),
            sor: Permutation::new(seed, 5, 1_000_000),
            plate_letters: Permutation::new(seed, 6, 23 * 23 * 100_000),
            plate_digits: Permutation::new(seed, 7, 1_000 * 23 * 23 * 23),
            vin_serial: Permutation::new(seed, 8, VIN_SERIALS),
        }
    }

    /// State id: `CT` and 7 digits.
    pub(crate) fn state_id(&self, person: u64) -> String {
        format!("CT{:07}", self.state_id.apply(person))
    }

    /// FBI number: 6 digits, 2 letters and a digit.
    pub(crate) fn fbi(&self, person: u64) -> String {
        let n = self.fbi.apply(person);
        let letters = n % (23 * 23);
        let rest = n / (23 * 23);
        format!(
            "{:06}{}{}{}",
            rest / 10 % 1_000_000,
            LETTERS[(letters / 23) as usize] as char,
            LETTERS[(letters % 23) as usize] as char,
            rest % 10
        )
    }

    /// Connecticut driver licence: 9 digits, never starting with 0.
    pub(crate) fn licence(&self, person: u64) -> String {
        format!("{}", 100_000_000 + self.licence.apply(person))
    }

    /// Inmate number for the `n`th inmate of the run: 6 digits, never
    /// starting with 0. Unique while `n` is below 900,000.
    pub(crate) fn inmate(&self, n: u64) -> String {
        format!("{}", 100_000 + self.inmate.apply(n))
    }

    /// Registry id for the `n`th registrant of the run: `SOR` and 6 digits.
    /// Unique while `n` is below 1,000,000.
    pub(crate) fn sor_id(&self, n: u64) -> String {
        format!("SOR{:06}", self.sor.apply(n))
    }

    /// Returns the plant code and serial number (VIN positions 11 to 17) of
    /// a vehicle as one number below [`VIN_SERIALS`]. Its millions pick the plant code.
    pub(crate) fn vin_serial(&self, vehicle: u64) -> u64 {
        self.vin_serial.apply(vehicle)
    }

    /// Plate number for vehicle `n`: `AB12345` for most, `123ABC` for some.
    pub(crate) fn plate(&self, vehicle: u64, older_format: bool) -> String {
        if older_format {
            let n = self.plate_digits.apply(vehicle);
            let mut letters = n / 1_000;
            let mut tail = [0u8; 3];
            for slot in tail.iter_mut().rev() {
                *slot = LETTERS[(letters % 23) as usize];
                letters /= 23;
            }
            format!("{:03}{}", n % 1_000, String::from_utf8_lossy(&tail))
        } else {
            let n = self.plate_letters.apply(vehicle);
            let letters = n / 100_000;
            format!(
                "{}{}{:05}",
                LETTERS[(letters / 23) as usize] as char,
                LETTERS[(letters % 23) as usize] as char,
                n % 100_000
            )
        }
    }
}

/// Record numbers reserved for each chunk in each source; a chunk never
/// writes more records than this to one source.
pub(crate) const RECORDS_PER_CHUNK: u64 = 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn permutations_are_bijective() {
        let p = Permutation::new(42, 1, 10_000);
        let seen: HashSet<u64> = (0..10_000).map(|i| p.apply(i)).collect();
        assert_eq!(seen.len(), 10_000);
    }

    #[test]
    fn identifiers_have_their_formats() {
        let ids = IdFormats::new(7);
        for person in [0, 1, 999_999, 5_000_000] {
            let sid = ids.state_id(person);
            assert_eq!(sid.len(), 9, "{sid}");
            assert!(sid.starts_with("CT"), "{sid}");
            assert_eq!(ids.licence(person).len(), 9);
            assert_eq!(ids.inmate(person).len(), 6);
            assert_eq!(ids.sor_id(person).len(), 9);
            let fbi = ids.fbi(person);
            assert_eq!(fbi.len(), 9, "{fbi}");
            assert!(fbi.chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn plates_are_unique_and_short() {
        let ids = IdFormats::new(11);
        let mut seen = HashSet::new();
        for vehicle in 0..50_000 {
            let plate = ids.plate(vehicle, vehicle % 3 == 0);
            assert!(plate.len() <= 7, "{plate}");
            assert!(seen.insert(plate));
        }
    }
}
