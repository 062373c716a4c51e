"""The staff web console (指挥中心): sign-in tickets, the work queue, its serving at /console/."""
