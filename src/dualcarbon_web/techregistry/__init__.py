"""The low-carbon technology achievement registry (低碳科技成果转化): achievements with review and
publication, enterprises' technology needs, and matching between them."""
