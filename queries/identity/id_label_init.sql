-- Connected components start with every node its own label.
select node, node as label from {{nodes}}
