"""微心愿: residents' small wishes, claimed and fulfilled by volunteers in public view."""
