//! `aiblock-worker ask`: a paying client of a server that sells answers
//! ([`aiblock_worker::market::buyer`]), with the prepaid channel opened on chain when there is
//! none.

use crate::{connect, ChainArgs};
use aiblock_worker::{
	chain::{self, BlockStatus},
	market::{buyer::Buyer, chain::chain_account},
	serve::model::hex,
	WorkerError,
};
use clap::Args;
use serde_json::json;

#[derive(Args)]
pub struct AskArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The server's URL (it must sell answers: `serve --price`).
	#[arg(long)]
	server: String,
	/// AIB to prepay when no channel with the server is open yet.
	#[arg(long, default_value_t = 10)]
	deposit: u128,
	/// The most tokens of the answer (what the server checks the deposit against).
	#[arg(long, default_value_t = 64)]
	max_tokens: u64,
	/// Sampling temperature (0: the most likely token each time).
	#[arg(long, default_value_t = 0.0)]
	temperature: f64,
	/// Ask through the chat endpoint (the prompt is one user message).
	#[arg(long)]
	chat: bool,
	/// Print the server's whole JSON answer (with its `aiblock` trail) instead of the text.
	#[arg(long)]
	json: bool,
	/// The prompt.
	prompt: String,
}

/// Ask, pay, and print the answer; refuse an answer whose blocks are not the chain's.
pub async fn ask(args: AskArgs) -> Result<(), WorkerError> {
	let client = connect(&args.chain).await?;
	let buyer = Buyer::connect(&args.server, client.signer.clone())?;
	if buyer.market.genesis.0 != client.genesis().0 {
		return Err(WorkerError::Usage(format!(
			"{} serves another chain (genesis {}) than the node at {}",
			args.server,
			hex(&buyer.market.genesis.0),
			args.chain.node
		)));
	}
	let server = chain_account(&buyer.market.server);
	let at = client.finalized().await?;
	let channel = match client.channel(&at, &client.account(), &server).await? {
		Some(channel) => channel,
		None => {
			eprintln!("opening a channel with {server}: {} AIB prepaid", args.deposit);
			let price = buyer.market.price_per_1k;
			client.open_channel(&server, args.deposit * chain::UNIT, price).await?;
			let at = client.finalized().await?;
			client
				.channel(&at, &client.account(), &server)
				.await?
				.ok_or_else(|| WorkerError::Node("the channel opened but is not on chain".into()))?
		},
	};
	let previous = buyer.resume(channel.id)?;
	let model = buyer.model()?;
	let (path, body) = if args.chat {
		(
			"/v1/chat/completions",
			json!({
				"model": model, "messages": [{"role": "user", "content": args.prompt}],
				"max_tokens": args.max_tokens, "temperature": args.temperature,
			}),
		)
	} else {
		(
			"/v1/completions",
			json!({
				"model": model, "prompt": args.prompt,
				"max_tokens": args.max_tokens, "temperature": args.temperature,
			}),
		)
	};
	let paid = buyer.ask(path, &body, channel.id, previous.as_ref(), channel.claimed_requests)?;
	// The weights must be adopted blocks of the model the trail names.
	let at = client.finalized().await?;
	for (block, id) in &paid.record.blocks {
		let record = client.block(&at, chain::H256(*id)).await?;
		let adopted = record.as_ref().is_some_and(|r| {
			r.header.model == paid.record.index
				&& matches!(r.status, BlockStatus::Accepted | BlockStatus::Superseded)
		});
		if !adopted {
			return Err(WorkerError::Server(format!(
				"the answer names {} for {}, which is not an adopted block of model {}: \
				 it was paid for, report the server",
				hex(id),
				block.name(),
				paid.record.index
			)));
		}
	}
	if args.json {
		println!("{}", paid.answer);
	} else {
		let text = paid.answer["choices"][0]["text"]
			.as_str()
			.or_else(|| paid.answer["choices"][0]["message"]["content"].as_str())
			.unwrap_or_default();
		println!("{text}");
	}
	let r = &paid.receipt.receipt;
	eprintln!(
		"paid: answer {} on channel {}, {} tokens so far ({} planck of {} prepaid)",
		r.requests,
		r.channel,
		r.cumulative_tokens,
		aiblock_primitives::inference::fee(r.cumulative_tokens, channel.price_per_1k),
		channel.deposit
	);
	Ok(())
}
