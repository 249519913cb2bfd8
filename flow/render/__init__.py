"""eqchip.render"""
