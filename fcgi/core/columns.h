/*
 * columns: result columns by name. In a .stmts file, after STMT(ID, SQL),
 *
 *     COLUMNS(ID, id, tracking_no, status)
 *
 * names the columns of ID's result in order (the SQL gives each that name,
 * with AS where it is an expression). The code then reads
 * PQgetvalue(res, i, COL(ID, status)) — never a literal position — and
 * db_open() checks every list against the server's own description of
 * the prepared statement (PQdescribePrepared), so a SELECT changed without
 * its list fails at once, on the first connection, naming the column.
 *
 * The enum values are COL_ID_name; FOR_EACH below writes them (a list of
 * at most COLUMNS_MAX names).
 */
#ifndef YSQGK_COLUMNS_H
#define YSQGK_COLUMNS_H

#define COLUMNS_MAX 64

#define COL(stmt, name) COL_##stmt##_##name

#define COLUMNS_FE_1(M, c, x) M(c, x)
#define COLUMNS_FE_2(M, c, x, ...) M(c, x) COLUMNS_FE_1(M, c, __VA_ARGS__)
#define COLUMNS_FE_3(M, c, x, ...) M(c, x) COLUMNS_FE_2(M, c, __VA_ARGS__)
#define COLUMNS_FE_4(M, c, x, ...) M(c, x) COLUMNS_FE_3(M, c, __VA_ARGS__)
#define COLUMNS_FE_5(M, c, x, ...) M(c, x) COLUMNS_FE_4(M, c, __VA_ARGS__)
#define COLUMNS_FE_6(M, c, x, ...) M(c, x) COLUMNS_FE_5(M, c, __VA_ARGS__)
#define COLUMNS_FE_7(M, c, x, ...) M(c, x) COLUMNS_FE_6(M, c, __VA_ARGS__)
#define COLUMNS_FE_8(M, c, x, ...) M(c, x) COLUMNS_FE_7(M, c, __VA_ARGS__)
#define COLUMNS_FE_9(M, c, x, ...) M(c, x) COLUMNS_FE_8(M, c, __VA_ARGS__)
#define COLUMNS_FE_10(M, c, x, ...) M(c, x) COLUMNS_FE_9(M, c, __VA_ARGS__)
#define COLUMNS_FE_11(M, c, x, ...) M(c, x) COLUMNS_FE_10(M, c, __VA_ARGS__)
#define COLUMNS_FE_12(M, c, x, ...) M(c, x) COLUMNS_FE_11(M, c, __VA_ARGS__)
#define COLUMNS_FE_13(M, c, x, ...) M(c, x) COLUMNS_FE_12(M, c, __VA_ARGS__)
#define COLUMNS_FE_14(M, c, x, ...) M(c, x) COLUMNS_FE_13(M, c, __VA_ARGS__)
#define COLUMNS_FE_15(M, c, x, ...) M(c, x) COLUMNS_FE_14(M, c, __VA_ARGS__)
#define COLUMNS_FE_16(M, c, x, ...) M(c, x) COLUMNS_FE_15(M, c, __VA_ARGS__)
#define COLUMNS_FE_17(M, c, x, ...) M(c, x) COLUMNS_FE_16(M, c, __VA_ARGS__)
#define COLUMNS_FE_18(M, c, x, ...) M(c, x) COLUMNS_FE_17(M, c, __VA_ARGS__)
#define COLUMNS_FE_19(M, c, x, ...) M(c, x) COLUMNS_FE_18(M, c, __VA_ARGS__)
#define COLUMNS_FE_20(M, c, x, ...) M(c, x) COLUMNS_FE_19(M, c, __VA_ARGS__)
#define COLUMNS_FE_21(M, c, x, ...) M(c, x) COLUMNS_FE_20(M, c, __VA_ARGS__)
#define COLUMNS_FE_22(M, c, x, ...) M(c, x) COLUMNS_FE_21(M, c, __VA_ARGS__)
#define COLUMNS_FE_23(M, c, x, ...) M(c, x) COLUMNS_FE_22(M, c, __VA_ARGS__)
#define COLUMNS_FE_24(M, c, x, ...) M(c, x) COLUMNS_FE_23(M, c, __VA_ARGS__)
#define COLUMNS_FE_25(M, c, x, ...) M(c, x) COLUMNS_FE_24(M, c, __VA_ARGS__)
#define COLUMNS_FE_26(M, c, x, ...) M(c, x) COLUMNS_FE_25(M, c, __VA_ARGS__)
#define COLUMNS_FE_27(M, c, x, ...) M(c, x) COLUMNS_FE_26(M, c, __VA_ARGS__)
#define COLUMNS_FE_28(M, c, x, ...) M(c, x) COLUMNS_FE_27(M, c, __VA_ARGS__)
#define COLUMNS_FE_29(M, c, x, ...) M(c, x) COLUMNS_FE_28(M, c, __VA_ARGS__)
#define COLUMNS_FE_30(M, c, x, ...) M(c, x) COLUMNS_FE_29(M, c, __VA_ARGS__)
#define COLUMNS_FE_31(M, c, x, ...) M(c, x) COLUMNS_FE_30(M, c, __VA_ARGS__)
#define COLUMNS_FE_32(M, c, x, ...) M(c, x) COLUMNS_FE_31(M, c, __VA_ARGS__)
#define COLUMNS_FE_33(M, c, x, ...) M(c, x) COLUMNS_FE_32(M, c, __VA_ARGS__)
#define COLUMNS_FE_34(M, c, x, ...) M(c, x) COLUMNS_FE_33(M, c, __VA_ARGS__)
#define COLUMNS_FE_35(M, c, x, ...) M(c, x) COLUMNS_FE_34(M, c, __VA_ARGS__)
#define COLUMNS_FE_36(M, c, x, ...) M(c, x) COLUMNS_FE_35(M, c, __VA_ARGS__)
#define COLUMNS_FE_37(M, c, x, ...) M(c, x) COLUMNS_FE_36(M, c, __VA_ARGS__)
#define COLUMNS_FE_38(M, c, x, ...) M(c, x) COLUMNS_FE_37(M, c, __VA_ARGS__)
#define COLUMNS_FE_39(M, c, x, ...) M(c, x) COLUMNS_FE_38(M, c, __VA_ARGS__)
#define COLUMNS_FE_40(M, c, x, ...) M(c, x) COLUMNS_FE_39(M, c, __VA_ARGS__)
#define COLUMNS_FE_41(M, c, x, ...) M(c, x) COLUMNS_FE_40(M, c, __VA_ARGS__)
#define COLUMNS_FE_42(M, c, x, ...) M(c, x) COLUMNS_FE_41(M, c, __VA_ARGS__)
#define COLUMNS_FE_43(M, c, x, ...) M(c, x) COLUMNS_FE_42(M, c, __VA_ARGS__)
#define COLUMNS_FE_44(M, c, x, ...) M(c, x) COLUMNS_FE_43(M, c, __VA_ARGS__)
#define COLUMNS_FE_45(M, c, x, ...) M(c, x) COLUMNS_FE_44(M, c, __VA_ARGS__)
#define COLUMNS_FE_46(M, c, x, ...) M(c, x) COLUMNS_FE_45(M, c, __VA_ARGS__)
#define COLUMNS_FE_47(M, c, x, ...) M(c, x) COLUMNS_FE_46(M, c, __VA_ARGS__)
#define COLUMNS_FE_48(M, c, x, ...) M(c, x) COLUMNS_FE_47(M, c, __VA_ARGS__)
#define COLUMNS_FE_49(M, c, x, ...) M(c, x) COLUMNS_FE_48(M, c, __VA_ARGS__)
#define COLUMNS_FE_50(M, c, x, ...) M(c, x) COLUMNS_FE_49(M, c, __VA_ARGS__)
#define COLUMNS_FE_51(M, c, x, ...) M(c, x) COLUMNS_FE_50(M, c, __VA_ARGS__)
#define COLUMNS_FE_52(M, c, x, ...) M(c, x) COLUMNS_FE_51(M, c, __VA_ARGS__)
#define COLUMNS_FE_53(M, c, x, ...) M(c, x) COLUMNS_FE_52(M, c, __VA_ARGS__)
#define COLUMNS_FE_54(M, c, x, ...) M(c, x) COLUMNS_FE_53(M, c, __VA_ARGS__)
#define COLUMNS_FE_55(M, c, x, ...) M(c, x) COLUMNS_FE_54(M, c, __VA_ARGS__)
#define COLUMNS_FE_56(M, c, x, ...) M(c, x) COLUMNS_FE_55(M, c, __VA_ARGS__)
#define COLUMNS_FE_57(M, c, x, ...) M(c, x) COLUMNS_FE_56(M, c, __VA_ARGS__)
#define COLUMNS_FE_58(M, c, x, ...) M(c, x) COLUMNS_FE_57(M, c, __VA_ARGS__)
#define COLUMNS_FE_59(M, c, x, ...) M(c, x) COLUMNS_FE_58(M, c, __VA_ARGS__)
#define COLUMNS_FE_60(M, c, x, ...) M(c, x) COLUMNS_FE_59(M, c, __VA_ARGS__)
#define COLUMNS_FE_61(M, c, x, ...) M(c, x) COLUMNS_FE_60(M, c, __VA_ARGS__)
#define COLUMNS_FE_62(M, c, x, ...) M(c, x) COLUMNS_FE_61(M, c, __VA_ARGS__)
#define COLUMNS_FE_63(M, c, x, ...) M(c, x) COLUMNS_FE_62(M, c, __VA_ARGS__)
#define COLUMNS_FE_64(M, c, x, ...) M(c, x) COLUMNS_FE_63(M, c, __VA_ARGS__)
#define COLUMNS_PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, _33, _34, _35, _36, _37, _38, _39, _40, _41, _42, _43, _44, _45, _46, _47, _48, _49, _50, _51, _52, _53, _54, _55, _56, _57, _58, _59, _60, _61, _62, _63, _64, NAME, ...) NAME
#define COLUMNS_FOR_EACH(M, c, ...) \
	COLUMNS_PICK(__VA_ARGS__, COLUMNS_FE_64, COLUMNS_FE_63, COLUMNS_FE_62, COLUMNS_FE_61, COLUMNS_FE_60, COLUMNS_FE_59, COLUMNS_FE_58, COLUMNS_FE_57, COLUMNS_FE_56, COLUMNS_FE_55, COLUMNS_FE_54, COLUMNS_FE_53, COLUMNS_FE_52, COLUMNS_FE_51, COLUMNS_FE_50, COLUMNS_FE_49, COLUMNS_FE_48, COLUMNS_FE_47, COLUMNS_FE_46, COLUMNS_FE_45, COLUMNS_FE_44, COLUMNS_FE_43, COLUMNS_FE_42, COLUMNS_FE_41, COLUMNS_FE_40, COLUMNS_FE_39, COLUMNS_FE_38, COLUMNS_FE_37, COLUMNS_FE_36, COLUMNS_FE_35, COLUMNS_FE_34, COLUMNS_FE_33, COLUMNS_FE_32, COLUMNS_FE_31, COLUMNS_FE_30, COLUMNS_FE_29, COLUMNS_FE_28, COLUMNS_FE_27, COLUMNS_FE_26, COLUMNS_FE_25, COLUMNS_FE_24, COLUMNS_FE_23, COLUMNS_FE_22, COLUMNS_FE_21, COLUMNS_FE_20, COLUMNS_FE_19, COLUMNS_FE_18, COLUMNS_FE_17, COLUMNS_FE_16, COLUMNS_FE_15, COLUMNS_FE_14, COLUMNS_FE_13, COLUMNS_FE_12, COLUMNS_FE_11, COLUMNS_FE_10, COLUMNS_FE_9, COLUMNS_FE_8, COLUMNS_FE_7, COLUMNS_FE_6, COLUMNS_FE_5, COLUMNS_FE_4, COLUMNS_FE_3, COLUMNS_FE_2, COLUMNS_FE_1)(M, c, __VA_ARGS__)

/* One enum constant per column: COL_ID_name = its position. */
#define COLUMNS_ENUM_ONE(stmt, name) COL_##stmt##_##name,
#define COLUMNS_ENUM(stmt, ...) \
	enum { COLUMNS_FOR_EACH(COLUMNS_ENUM_ONE, stmt, __VA_ARGS__) };

#endif
