"""治理岗 · 揭榜挂帅 · 积分超市: posts riders hold, bounties they take, rewards they spend points on."""
