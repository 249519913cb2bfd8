"""eqchip.regress"""
