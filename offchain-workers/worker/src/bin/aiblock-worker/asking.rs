//! `aiblock-worker ask`: a paying client of a server that sells answers
//! ([`aiblock_worker::market::buyer`]), with the prepaid channel opened on chain when there is
//! none; with `--free`, a free-tier member of a donor server, joining the free tier on chain
//! when it is not a member.

use crate::{connect, ChainArgs};
use aiblock_worker::{
	chain,
	market::{
		buyer::{blocks_adopted, Buyer},
		chain::chain_account,
	},
	serve::replay::Record,
	WorkerError,
};
use clap::Args;
use serde_json::json;

#[derive(Args)]
pub struct AskArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The server's URL (it must sell answers, `serve --price`, or with --free donate them,
	/// `serve --donate`).
	#[arg(long)]
	server: String,
	/// Ask as a free-tier member of a donor server: no payment, counted against this
	/// account's daily quota on chain. Joins the free tier first if needed (a 10 AIB deposit,
	/// held until `inference.leaveFreeTier`).
	#[arg(long)]
	free: bool,
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
	let buyer = Buyer::connect_on(&args.server, &client)?;
	let server = chain_account(&buyer.market.server);
	let model = buyer.model()?;
	let (path, body) = request(&args, &model);
	let (answer, record) = if args.free {
		ask_free(&client, &buyer, &server, path, &body).await?
	} else {
		ask_paid(&client, &buyer, &server, &args, path, &body).await?
	};
	// The weights must be adopted blocks of the model the trail names.
	blocks_adopted(&client, &record).await?;
	if args.json {
		println!("{answer}");
	} else {
		let text = answer["choices"][0]["text"]
			.as_str()
			.or_else(|| answer["choices"][0]["message"]["content"].as_str())
			.unwrap_or_default();
		println!("{text}");
	}
	Ok(())
}

/// The request's path and body.
fn request(args: &AskArgs, model: &str) -> (&'static str, serde_json::Value) {
	if args.chat {
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
	}
}

/// Ask as a free-tier member (joining first when not one); the answer and its trail.
async fn ask_free(
	client: &chain::Chain,
	buyer: &Buyer,
	server: &chain::AccountId,
	path: &str,
	body: &serde_json::Value,
) -> Result<(serde_json::Value, Record), WorkerError> {
	if buyer.market.free_tokens_per_period == 0 {
		return Err(WorkerError::Usage(format!(
			"{server} answers no free tier: pay (ask without --free)"
		)));
	}
	let at = client.finalized().await?;
	let mut standing = client.free_standing(&at, &client.account(), server).await?;
	if standing.member.is_none() {
		eprintln!("joining the free tier (a refundable deposit is held)");
		client.join_free_tier().await?;
		let at = client.finalized().await?;
		standing = client.free_standing(&at, &client.account(), server).await?;
	}
	let totals = buyer.resume_free(standing.period, standing.reported_here)?;
	let free = buyer.ask_free(path, body, standing.period, totals)?;
	let r = &free.receipt.receipt;
	let used = standing.member.unwrap_or_default();
	eprintln!(
		"free: answer {} from this donor in period {} ({} tokens); before it the chain counted \
		 {} of {} tokens and {} of {} requests",
		r.requests,
		r.period,
		r.cumulative_tokens,
		used.tokens,
		standing.quota_tokens,
		used.requests,
		standing.quota_requests
	);
	Ok((free.answer, free.record))
}

/// Ask and pay through the channel with `server` (opened first when there is none); the
/// answer and its trail.
async fn ask_paid(
	client: &chain::Chain,
	buyer: &Buyer,
	server: &chain::AccountId,
	args: &AskArgs,
	path: &str,
	body: &serde_json::Value,
) -> Result<(serde_json::Value, Record), WorkerError> {
	let Some(price) = buyer.market.price_per_1k else {
		return Err(WorkerError::Usage(format!(
			"{server} sells no answers: it answers the free tier (ask with --free)"
		)));
	};
	let at = client.finalized().await?;
	let channel = match client.channel(&at, &client.account(), server).await? {
		Some(channel) => channel,
		None => {
			eprintln!("opening a channel with {server}: {} AIB prepaid", args.deposit);
			client.open_channel(server, args.deposit * chain::UNIT, price).await?;
			let at = client.finalized().await?;
			client
				.channel(&at, &client.account(), server)
				.await?
				.ok_or_else(|| WorkerError::Node("the channel opened but is not on chain".into()))?
		},
	};
	let previous = buyer.resume(channel.id)?;
	let paid = buyer.ask(path, body, channel.id, previous.as_ref(), channel.claimed_requests)?;
	let r = &paid.receipt.receipt;
	eprintln!(
		"paid: answer {} on channel {}, {} tokens so far ({} planck of {} prepaid)",
		r.requests,
		r.channel,
		r.cumulative_tokens,
		aiblock_primitives::inference::fee(r.cumulative_tokens, channel.price_per_1k),
		channel.deposit
	);
	Ok((paid.answer, paid.record))
}
