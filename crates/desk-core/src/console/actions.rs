//! One entry point per console step, whatever the profile: a sandbox profile
//! acts through the embedded sandbox's console, a real one is tracked while
//! the user acts in Meituan's console page. The shell and the CLI call these
//! instead of deciding "sandbox or real" themselves.

use crate::console::applications::{self, ConsoleRequest};
use crate::console::authorization::{self, AuthorizationView};
use crate::console::sandbox::SandboxConsole;
use crate::embedded::EmbeddedSandbox;
use crate::error::Result;
use crate::profiles::{self, Tier};
use crate::{Clock, Store};

pub struct ConsoleActions<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub sandbox: &'a EmbeddedSandbox,
}

impl ConsoleActions<'_> {
    /// The sandbox console for a sandbox profile; `None` for a real one.
    async fn sandbox_console(&self, profile_id: &str) -> Result<Option<SandboxConsole>> {
        if profiles::get(self.store, profile_id)?.sandbox {
            Ok(Some(SandboxConsole::new(&self.sandbox.ensure().await?)?))
        } else {
            Ok(None)
        }
    }

    /// Sandbox: applies through the sandbox console. Real: records 申请中
    /// after the user clicked 去开通 in the console page.
    pub async fn apply_authorization(&self, profile_id: &str) -> Result<AuthorizationView> {
        match self.sandbox_console(profile_id).await? {
            Some(c) => authorization::apply_sandbox(self.store, self.clock, &c, profile_id).await,
            None => authorization::apply_manual(self.store, self.clock, profile_id),
        }
    }

    /// Sandbox: picks up the console's answer. Real: the state as recorded.
    pub async fn refresh_authorization(&self, profile_id: &str) -> Result<AuthorizationView> {
        match self.sandbox_console(profile_id).await? {
            Some(c) => authorization::refresh_sandbox(self.store, self.clock, &c, profile_id).await,
            None => authorization::view(self.store, self.clock, profile_id),
        }
    }

    /// Sandbox: filed and answered at once. Real: filed; the outcome is recorded next.
    pub async fn file_frequency(&self, profile_id: &str) -> Result<ConsoleRequest> {
        match self.sandbox_console(profile_id).await? {
            Some(c) => {
                applications::file_frequency_sandbox(self.store, self.clock, &c, profile_id).await
            }
            None => applications::file_frequency_manual(self.store, self.clock, profile_id),
        }
    }

    pub async fn file_special_case(
        &self,
        profile_id: &str,
        justification: &str,
        requested_tier: Option<Tier>,
    ) -> Result<ConsoleRequest> {
        match self.sandbox_console(profile_id).await? {
            Some(c) => {
                applications::file_special_case_sandbox(
                    self.store,
                    self.clock,
                    &c,
                    profile_id,
                    justification,
                    requested_tier,
                )
                .await
            }
            None => applications::file_special_case_manual(
                self.store,
                self.clock,
                profile_id,
                justification,
                requested_tier,
            ),
        }
    }

    /// Sandbox: picks up the console's answers. Real: the history as it stands.
    pub async fn refresh_requests(&self, profile_id: &str) -> Result<Vec<ConsoleRequest>> {
        match self.sandbox_console(profile_id).await? {
            Some(c) => applications::refresh_sandbox(self.store, self.clock, &c, profile_id).await,
            None => applications::history(self.store, self.clock, profile_id),
        }
    }
}
