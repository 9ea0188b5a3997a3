//! `aiblock-worker proxy`: a local OpenAI-compatible endpoint that pays for answers (or asks
//! as a free-tier member) with this machine's key ([`aiblock_worker::market::proxy`]).

use crate::{connect, ChainArgs};
use aiblock_worker::{
	chain,
	market::{
		buyer::Buyer,
		proxy::{self, Payment},
	},
	WorkerError,
};
use clap::Args;
use std::net::SocketAddr;

#[derive(Args)]
pub struct ProxyArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The server's URL (`serve --price`, or with --free `serve --donate`).
	#[arg(long)]
	server: String,
	/// Where the OpenAI-compatible endpoint listens (keep it on the loopback interface unless
	/// an API key guards it: whoever reaches it spends this account's deposit).
	#[arg(long, default_value = "127.0.0.1:8090")]
	listen: SocketAddr,
	/// AIB to prepay when no channel with the server is open yet.
	#[arg(long, default_value_t = 10)]
	deposit: u128,
	/// Ask as a free-tier member (joining first if needed) instead of paying.
	#[arg(long)]
	free: bool,
	/// Refuse requests without `Authorization: Bearer <this key>` (HTTP 401); the OpenAI
	/// client's `api_key`.
	#[arg(long)]
	api_key: Option<String>,
}

/// Start the proxy and serve until a signal.
pub async fn proxy(args: ProxyArgs) -> Result<(), WorkerError> {
	let client = connect(&args.chain).await?;
	let buyer = Buyer::connect_on(&args.server, &client)?;
	if args.api_key.is_none() && !args.listen.ip().is_loopback() {
		return Err(WorkerError::Usage(format!(
			"{} is reachable from other machines: set --api-key, or anyone there spends this \
			 account's deposit",
			args.listen
		)));
	}
	let payment = match args.free {
		true => Payment::Free,
		false => Payment::Paid { deposit: args.deposit * chain::UNIT },
	};
	let bound = proxy::start(client, buyer, payment, args.api_key, args.listen).await?;
	log::info!(
		"proxy: OpenAI-compatible API on http://{bound}/v1, {} through {}",
		if args.free { "free-tier requests" } else { "paid requests" },
		args.server
	);
	crate::until_signal().await;
	Ok(())
}
