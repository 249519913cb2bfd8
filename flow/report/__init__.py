"""eqchip.report"""
