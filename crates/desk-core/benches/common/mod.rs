// Shared set-up of the bench binaries: the test suites' sandbox fixture
// (tests/common/mod.rs) with the benches' profile — "bench", Unlimited.

use desk_core::profiles::{Generation, Tier};

#[path = "../../tests/common/mod.rs"]
mod fixture;

pub use fixture::SandboxHarness as Bench;

pub async fn setup(generation: Generation, orders_per_month: u32) -> Bench {
    fixture::setup()
        .name("bench")
        .generation(generation)
        .tier(Tier::Unlimited)
        .orders_per_month(orders_per_month)
        .start()
        .await
}
