//! `schema.graphql` must match the schema the code builds. On drift the file is
//! rewritten and the test fails, so the diff shows up in review.

#[test]
fn schema_file_matches_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let expected = ciss::api::schema_sdl();
    let found = std::fs::read_to_string(path).unwrap_or_default();
    if found != expected {
        std::fs::write(path, &expected).expect("schema.graphql is writable");
        panic!("schema.graphql was out of date and has been rewritten; review and commit it");
    }
}
