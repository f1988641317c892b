/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mux/flow.h"

void flow_init(struct flow *f, uint32_t rx_window, uint64_t peer_window)
{
	*f = (struct flow){
		.tx_allowed = peer_window,
		.rx_allowed = rx_window,
		.rx_window = rx_window,
	};
}

uint64_t flow_tx_credit(const struct flow *f)
{
	return f->tx_allowed > f->tx_sent ? f->tx_allowed - f->tx_sent : 0;
}

void flow_on_sent(struct flow *f, size_t n) { f->tx_sent += n; }

bool flow_on_window(struct flow *f, uint32_t increment)
{
	if (increment == 0 || f->tx_allowed + increment < f->tx_allowed)
		return false;
	f->tx_allowed += increment;
	return true;
}

bool flow_on_received(struct flow *f, size_t n)
{
	if (f->remote_fin || f->rx_received + n > f->rx_allowed)
		return false;
	f->rx_received += n;
	f->rx_buffered += n;
	return true;
}

uint32_t flow_on_written(struct flow *f, size_t n)
{
	uint32_t grant;

	f->rx_buffered -= n;
	f->rx_ungranted += (uint32_t)n;
	if (f->rx_ungranted < f->rx_window / 4 &&
	    (f->rx_buffered || f->rx_ungranted < f->rx_window / 16))
		return 0;
	/* No point granting credit for a direction the peer has closed. */
	if (f->remote_fin)
		return 0;
	grant = f->rx_ungranted;
	f->rx_allowed += grant;
	f->rx_ungranted = 0;
	return grant;
}

bool flow_on_local_eof(struct flow *f)
{
	if (f->local_eof)
		return false;
	f->local_eof = true;
	return true;
}

bool flow_on_remote_fin(struct flow *f)
{
	if (f->remote_fin)
		return false;
	f->remote_fin = true;
	return true;
}

bool flow_take_shutdown(struct flow *f)
{
	if (!f->remote_fin || f->shut_wr || f->rx_buffered)
		return false;
	f->shut_wr = true;
	return true;
}

bool flow_finished(const struct flow *f)
{
	return f->local_eof && f->remote_fin && f->shut_wr && f->rx_buffered == 0;
}
